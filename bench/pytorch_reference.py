"""PyTorch reference for `npm run bench`: the app's default VAEGAN step, timed on the CPU.

The same networks as src/model/networks.ts (MLP 784-H-latent, `shared` or `separate` variant),
the same losses as src/model/losses.ts and the same three-phase step with three Adam optimisers
as src/model/vaegan.ts (docs/model.md, "One training step"):
  1. encoder + decoder minimise L_rec + beta * KL;
  2. the discriminator minimises L_D on real, reconstructed and prior images;
  3. the generator (the decoder in `shared`) minimises the non-saturating L_G with a step of
     gamma * lrG, D frozen.
Written the way a careful PyTorch user would: fakes drawn under no_grad, D's parameters (and in
`separate` the decoder's) frozen during phase 3, so no gradient is spent on them (tfjs does not
spend any either: it only differentiates towards the optimiser's variables).

Images are uniform random numbers: the cost of a step does not depend on the pixel values.

Usage: /usr/bin/python3 bench/pytorch_reference.py [--batch 64,256] [--threads 1,2]
       [--variant shared,separate] [--seconds 5] [--warmup 20]
Prints one JSON object on stdout, with the kernel family OpenBLAS chose for this CPU
(openblas_get_corename: e.g. "Cooperlake" with AVX-512, "Haswell" when OPENBLAS_CORETYPE holds it
to AVX2) and the OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE it ran with.
"""

import argparse
import ctypes
import json
import os
import platform
import subprocess
import sys
import time

# OpenBLAS and OpenMP size their thread pools when torch loads: one process per thread count,
# with both pinned before the import (see run_children), so "1 thread" really is one.
import torch
import torch.nn.functional as F
from torch import nn

PIXELS = 28 * 28


def mlp(sizes):
    """Dense layers with ReLU between them and none after the last (logits out)."""
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class VaeGan:
    def __init__(self, variant, latent, hidden, beta=1.0, gamma=0.1):
        self.latent = latent
        self.beta = beta
        self.encoder = mlp([PIXELS, hidden, 2 * latent])  # -> concat(mu, logvar)
        self.decoder = mlp([latent, hidden, PIXELS])  # -> logits
        self.generator = self.decoder if variant == "shared" else mlp([latent, hidden, PIXELS])
        self.discriminator = mlp([PIXELS, hidden, 1])  # -> logit
        vae_params = list(self.encoder.parameters()) + list(self.decoder.parameters())
        self.opt_vae = torch.optim.Adam(vae_params, lr=1e-3, betas=(0.9, 0.999))
        self.opt_d = torch.optim.Adam(self.discriminator.parameters(), lr=2e-4, betas=(0.5, 0.999))
        # gamma scales the generator's step, as in the app (Adam ignores a factor on the loss).
        self.opt_g = torch.optim.Adam(
            self.generator.parameters(), lr=gamma * 2e-4, betas=(0.5, 0.999)
        )

    def sample_z(self, x):
        mu, logvar = self.encoder(x).chunk(2, dim=1)  # [batch, latent] each
        return mu, logvar, mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)

    def step(self, x):
        batch = x.shape[0]
        # Phase 1: VAE.
        self.opt_vae.zero_grad(set_to_none=True)
        mu, logvar, z = self.sample_z(x)
        logits = self.decoder(z)  # [batch, pixels]
        rec = F.binary_cross_entropy_with_logits(logits, x, reduction="sum") / batch
        kl = (-0.5 * (1 + logvar - mu.square() - logvar.exp()).sum(dim=1)).mean()
        (rec + self.beta * kl).backward()
        self.opt_vae.step()
        # Fakes for phases 2 and 3, from the updated encoder and decoder.
        with torch.no_grad():
            _, _, z_tilde = self.sample_z(x)
            z_prior = torch.randn(batch, self.latent)
            x_tilde = torch.sigmoid(self.decoder(z_tilde))
            x_prior = torch.sigmoid(self.generator(z_prior))
        # Phase 2: discriminator.
        self.opt_d.zero_grad(set_to_none=True)
        real, recon, prior = (self.discriminator(v) for v in (x, x_tilde, x_prior))
        loss_d = (
            F.softplus(-real).mean() + 0.5 * F.softplus(recon).mean() + 0.5 * F.softplus(prior).mean()
        )
        loss_d.backward()
        self.opt_d.step()
        # Phase 3: generator (non-saturating), D frozen.
        self.discriminator.requires_grad_(False)
        if self.generator is not self.decoder:
            self.decoder.requires_grad_(False)  # in `separate` only G moves in phase 3
        self.opt_g.zero_grad(set_to_none=True)
        recon = self.discriminator(torch.sigmoid(self.decoder(z_tilde)))
        prior = self.discriminator(torch.sigmoid(self.generator(z_prior)))
        loss_g = 0.5 * (F.softplus(-recon).mean() + F.softplus(-prior).mean())
        loss_g.backward()
        self.opt_g.step()
        self.discriminator.requires_grad_(True)
        self.decoder.requires_grad_(True)
        return rec, kl, loss_d, loss_g


def measure(variant, batch, threads, seconds, warmup, latent, hidden):
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    model = VaeGan(variant, latent, hidden)
    data = torch.rand(16, batch, PIXELS)  # a few distinct batches, cycled
    for i in range(warmup):
        model.step(data[i % 16])
    steps = 0
    t0 = time.perf_counter()
    while True:
        model.step(data[steps % 16])
        steps += 1
        elapsed = time.perf_counter() - t0
        if elapsed >= seconds and steps >= 10:
            break
    return {
        "variant": variant,
        "batch": batch,
        "threads": threads,
        "steps": steps,
        "seconds": elapsed,
        "stepsPerSec": steps / elapsed,
        "imagesPerSec": steps * batch / elapsed,
    }


def openblas_corename():
    """The kernel family OpenBLAS uses here, or None where the BLAS is not OpenBLAS."""
    try:
        corename = ctypes.CDLL("libblas.so.3").openblas_get_corename
    except (OSError, AttributeError):
        return None
    corename.restype = ctypes.c_char_p
    return corename().decode()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batch", default="64,256")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--variant", default="shared")
    parser.add_argument("--latent", type=int, default=16)
    parser.add_argument("--hidden", type=int, default=512)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--warmup", type=int, default=20)
    args = parser.parse_args()
    threads = [int(t) for t in args.threads.split(",")]
    if len(threads) > 1 or os.environ.get("OPENBLAS_NUM_THREADS") != str(threads[0]):
        run_children(threads)
        return
    rows = []
    for variant in args.variant.split(","):
        for batch in (int(b) for b in args.batch.split(",")):
            for n in threads:
                row = measure(variant, batch, n, args.seconds, args.warmup, args.latent, args.hidden)
                rows.append(row)
                print(
                    f"pytorch {variant} batch {batch} threads {n}: "
                    f"{row['imagesPerSec']:.0f} images/s",
                    file=sys.stderr,
                )
    # Debian's torch calls the system BLAS (libblas.so.3), which the alternatives system points
    # at OpenBLAS once libopenblas0-pthread is installed, at the slow reference BLAS otherwise.
    blas = os.path.realpath("/usr/lib/x86_64-linux-gnu/libblas.so.3")
    print(
        json.dumps(
            {
                "torch": torch.__version__,
                "python": platform.python_version(),
                "blas": blas,
                "corename": openblas_corename(),
                "coretype": os.environ.get("OPENBLAS_CORETYPE"),
                "l2size": os.environ.get("OPENBLAS_L2_SIZE"),
                "cpus": os.cpu_count(),
                "latent": args.latent,
                "hidden": args.hidden,
                "rows": rows,
            }
        )
    )


def run_children(threads):
    """Runs this script once per thread count with the thread pools pinned; merges the rows."""
    merged = None
    for n in threads:
        argv = [a for a in sys.argv[1:]]
        if "--threads" in argv:
            i = argv.index("--threads")
            del argv[i : i + 2]
        env = dict(os.environ, OPENBLAS_NUM_THREADS=str(n), OMP_NUM_THREADS=str(n))
        out = subprocess.run(
            [sys.executable, __file__, *argv, "--threads", str(n)],
            env=env,
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        ).stdout
        result = json.loads(out)
        if merged is None:
            merged = result
        else:
            merged["rows"].extend(result["rows"])
    merged["rows"].sort(key=lambda r: (r["variant"], r["batch"], r["threads"]))
    print(json.dumps(merged))


if __name__ == "__main__":
    main()
