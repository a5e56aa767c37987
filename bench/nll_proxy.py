# A quick PyTorch stand-in for the likelihood preset's plain VAE, to try levers before spending
# a 30-minute browser run on them: the same MLP (784-H-2d encoder, d-H-784 decoder, ReLU), phase
# 1 alone (γ = 0, no D), Adam (0.9, 0.999, eps 1e-7), an optional cosine schedule over the run,
# grey or dynamically binarised batches. It reports NLL = -IWAE with k draws on the first test
# images, binarised once with its own seed (not the app's), so its figures rank levers against
# each other; the preset's real figure comes from bench/nll30.mjs. One line of JSON per --evals
# epoch, appended to bench/nll-proxy.jsonl by the caller:
#   /usr/bin/python3 bench/nll_proxy.py --epochs 150 --binarize 1 --hidden 1024 --label x \
#     --k 1000 --images 1000 --evals 50,100 >> bench/nll-proxy.jsonl
import os, sys, math, time, json, argparse
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
p = argparse.ArgumentParser()
p.add_argument('--latent', type=int, default=32); p.add_argument('--hidden', type=int, default=512)
p.add_argument('--layers', type=int, default=1)
p.add_argument('--batch', type=int, default=64); p.add_argument('--epochs', type=float, default=100)
p.add_argument('--lr', type=float, default=1e-3); p.add_argument('--schedule', default='cosine')
p.add_argument('--binarize', type=int, default=0); p.add_argument('--evals', default='')
p.add_argument('--k', type=int, default=500); p.add_argument('--images', type=int, default=1000)
p.add_argument('--label', default='x'); p.add_argument('--threads', type=int, default=1)
a = p.parse_args()
torch.set_num_threads(a.threads); torch.manual_seed(1)
D = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'public', 'datasets', 'mnist') + os.sep
def u8(name):
    # The prepared data sets: raw bytes, or gzipped as `npm start` leaves them.
    import gzip
    raw = D + name + '.u8'
    data = open(raw, 'rb').read() if os.path.exists(raw) else gzip.open(raw + '.gz').read()
    return np.frombuffer(data, np.uint8)
tr = torch.from_numpy(u8('train-images').reshape(-1, 784).astype(np.float32)/255)
te = torch.from_numpy(u8('test-images').reshape(-1, 784).astype(np.float32)/255)
g = torch.Generator().manual_seed(123)
teb = (torch.rand(te.shape, generator=g) < te).float()[:a.images]
def mlp(i, o):
    L = []; d = i
    for _ in range(a.layers): L += [nn.Linear(d, a.hidden), nn.ReLU()]; d = a.hidden
    return nn.Sequential(*L, nn.Linear(d, o))
enc, dec = mlp(784, 2*a.latent), mlp(a.latent, 784)
params = list(enc.parameters()) + list(dec.parameters())
opt = torch.optim.Adam(params, lr=a.lr, eps=1e-7)
steps_per_epoch = 60000 // a.batch
total = int(a.epochs * steps_per_epoch)
evals = sorted(set([int(float(e) * steps_per_epoch) for e in a.evals.split(',') if e] + [total]))
def nll(logits, x): return (F.relu(logits) - logits*x + F.softplus(-logits.abs())).sum(1)
@torch.no_grad()
def iwae(k):
    out = []; el = []
    for i in range(0, len(teb), 20):
        x = teb[i:i+20]; mu, lv = enc(x).chunk(2, 1)
        eps = torch.randn(k, x.shape[0], a.latent)
        z = mu + torch.exp(0.5*lv)*eps
        lg = dec(z.reshape(-1, a.latent)).reshape(k, x.shape[0], 784)
        lpx = -(F.relu(lg) - lg*x + F.softplus(-lg.abs())).sum(2)
        lpz = -0.5*(z.square().sum(2)); lqz = -0.5*(eps.square().sum(2) + lv.sum(1))
        w = (lpx + lpz - lqz).double()
        out.append(torch.logsumexp(w, 0) - math.log(k)); el.append(w.mean(0))
    return -torch.cat(out).mean().item(), torch.cat(el).mean().item()
t0 = time.time(); step = 0; perm = torch.randperm(60000); pos = 0
while step < total:
    if pos + a.batch > 60000: perm = torch.randperm(60000); pos = 0
    x = tr[perm[pos:pos+a.batch]]; pos += a.batch
    if a.binarize: x = (torch.rand(x.shape) < x).float()
    lr = a.lr * (0.5*(1+math.cos(math.pi*step/total)) if a.schedule == 'cosine' else 1)
    for gp in opt.param_groups: gp['lr'] = lr
    mu, lv = enc(x).chunk(2, 1)
    z = mu + torch.exp(0.5*lv)*torch.randn_like(mu)
    loss = (nll(dec(z), x) + (-0.5*(1+lv-mu.square()-lv.exp()).sum(1))).mean()
    opt.zero_grad(); loss.backward(); opt.step(); step += 1
    if step in evals:
        n, e = iwae(a.k)
        print(json.dumps(dict(label=a.label, epoch=step/steps_per_epoch, steps=step, nll=n, elbo=e, trainS=time.time()-t0, **{kk: v for kk, v in vars(a).items() if kk not in ('evals','label')})), flush=True)
