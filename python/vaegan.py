"""VAEGAN Playground's model in PyTorch: the same networks, losses and three-phase training step
as the app (docs/model.md), loaded from and saved to the app's `.safetensors` runs.

    python3 python/vaegan.py info   run.safetensors
    python3 python/vaegan.py sample run.safetensors --out samples.png
    python3 python/vaegan.py elbo   run.safetensors --images 1000 --k 100
    python3 python/vaegan.py train  run.safetensors --steps 5000 --out run2.safetensors

A file exported by the app ("Export for PyTorch") holds every network in PyTorch's names and
layouts, Adam's moments, the curves, the run's settings and the fixed noise of the app's sample
grid. What `train` writes imports back into the app, which trains on from it.

Faithful to the app where it matters:
- images are [n, C, H, W] in [0, 1]; the networks output logits;
- TF's 'same' padding at stride 2 pads 1 before and 2 after (28 -> 14, 14 -> 7 with 5 x 5
  kernels): the convolutions pad explicitly, the transposed ones crop the same rows;
- batch norm is tfjs's: epsilon 1e-3, the biased batch variance, and a moving average with
  momentum 0.9 updated at every training-mode call (five times a step in `shared`);
- Adam is PyTorch's, with the app's epsilon 1e-7 and betas (0.9, 0.999) for the VAE,
  (0.5, 0.999) for D and G; the generator's step is gamma * lr_G;
- the batch order and the test binarisation come from the app's seeded generator
  (playground_data.py). The training noise comes from PyTorch's generator: a continued run
  follows the app's step exactly, but not its random draws.
"""

import argparse
import json
import math
import os
import struct
import sys
import time
import zlib

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from playground_data import BINARIZE_SEED, BatchOrder, Dataset, binarize  # noqa: E402
from safetensors_io import read_safetensors, write_safetensors  # noqa: E402

FORMAT = "vaegan-playground-torch"
FORMAT_VERSION = 1
ADAM_EPS = 1e-7
KERNEL = 5
LEAK = 0.2
GATE_EQUILIBRIUM, GATE_MARGIN = 0.68, 0.35
METRICS = ["reconstruction", "kl", "discriminator", "generator", "dReal", "dRecon", "dPrior", "featureRec", "skipD", "skipG"]


# ---- networks ---------------------------------------------------------------------------------


def same_padding(size, stride=2, kernel=KERNEL):
    """TF's 'same' padding: (before, after); the odd pixel goes after."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


class TfBatchNorm(nn.Module):
    """tfjs-layers' batch normalisation (epsilon 1e-3, biased batch variance, moving average
    with momentum 0.9 updated at every training-mode call), over dim 1 of [n, f] or [n, f, h, w]."""

    def __init__(self, features, momentum=0.9, eps=1e-3):
        super().__init__()
        self.momentum, self.eps = momentum, eps
        self.weight = nn.Parameter(torch.ones(features))
        self.bias = nn.Parameter(torch.zeros(features))
        self.register_buffer("running_mean", torch.zeros(features))
        self.register_buffer("running_var", torch.ones(features))

    def forward(self, x):
        shape = (1, -1) + (1,) * (x.dim() - 2)
        if self.training:
            dims = [0] + list(range(2, x.dim()))
            mean = x.mean(dims)
            var = ((x - mean.view(shape)) ** 2).mean(dims)
            with torch.no_grad():
                decay = 1 - self.momentum
                self.running_mean -= (self.running_mean - mean) * decay
                self.running_var -= (self.running_var - var) * decay
        else:
            mean, var = self.running_mean, self.running_var
        scale = self.weight * torch.rsqrt(var + self.eps)
        return (x - mean.view(shape)) * scale.view(shape) + self.bias.view(shape)


class MlpEncoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        pixels = c["pixels"]
        self.hidden = nn.ModuleList(
            nn.Linear(pixels if i == 0 else c["hiddenUnits"], c["hiddenUnits"]) for i in range(c["hiddenLayers"])
        )
        self.mu_logvar = nn.Linear(c["hiddenUnits"], 2 * c["latentDim"])

    def forward(self, x):  # [n, C, H, W] -> [n, 2d]
        h = x.flatten(1)
        for layer in self.hidden:
            h = F.relu(layer(h))
        return self.mu_logvar(h)


class MlpDecoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.image = c["image"]
        self.hidden = nn.ModuleList(
            nn.Linear(c["latentDim"] if i == 0 else c["hiddenUnits"], c["hiddenUnits"]) for i in range(c["hiddenLayers"])
        )
        self.logits = nn.Linear(c["hiddenUnits"], c["pixels"])

    def forward(self, z):  # [n, d] -> logits [n, C, H, W]
        h = z
        for layer in self.hidden:
            h = F.relu(layer(h))
        return self.logits(h).view(-1, *self.image)


class MlpDiscriminator(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.hidden = nn.Linear(c["pixels"], c["hiddenUnits"])
        self.logit = nn.Linear(c["hiddenUnits"], 1)

    def forward(self, x):  # -> (Dis_l [n, hidden], logit [n, 1])
        features = F.relu(self.hidden(x.flatten(1)))
        return features, self.logit(features)


class ConvStack(nn.Module):
    """Two 5 x 5 stride-2 convolutions with TF 'same' padding: [n, C, H, W] -> [n, f2, H/4, W/4]."""

    def __init__(self, c, activation):
        super().__init__()
        f1, f2 = c["convFilters"]
        self.conv1 = nn.Conv2d(c["image"][0], f1, KERNEL, stride=2)
        self.conv2 = nn.Conv2d(f1, f2, KERNEL, stride=2)
        self.activation = activation

    def features(self, x):
        for conv in (self.conv1, self.conv2):
            top, bottom = same_padding(x.shape[2])
            left, right = same_padding(x.shape[3])
            x = self.activation(conv(F.pad(x, (left, right, top, bottom))))
        return x


class ConvEncoder(ConvStack):
    def __init__(self, c):
        super().__init__(c, F.relu)
        _, h, w = c["image"]
        self.mu_logvar = nn.Linear(c["convFilters"][1] * (h // 4) * (w // 4), 2 * c["latentDim"])

    def forward(self, x):
        return self.mu_logvar(self.features(x).flatten(1))


class ConvDiscriminator(ConvStack):
    def __init__(self, c):
        super().__init__(c, lambda t: F.leaky_relu(t, LEAK))
        _, h, w = c["image"]
        self.logit = nn.Linear(c["convFilters"][1] * (h // 4) * (w // 4), 1)

    def forward(self, x):
        features = self.features(x).flatten(1)
        return features, self.logit(features)


def crop_transposed(y, size):
    """A stride-2 transposed convolution's output cut to TF's 'same' size (2 x its input)."""
    out_h, out_w = 2 * size[0], 2 * size[1]
    top, left = same_padding(out_h)[0], same_padding(out_w)[0]
    return y[:, :, top : top + out_h, left : left + out_w]


class ConvDecoder(nn.Module):
    """z -> FC (f2 x H/4 x W/4) BN ReLU -> deconv 5x5/2 f1 BN ReLU -> deconv 5x5/2 C (logits)."""

    def __init__(self, c):
        super().__init__()
        f1, f2 = c["convFilters"]
        channels, h, w = c["image"]
        self.grid = (f2, h // 4, w // 4)
        features = f2 * (h // 4) * (w // 4)
        self.project = nn.Linear(c["latentDim"], features)
        self.bn1 = TfBatchNorm(features)
        self.deconv1 = nn.ConvTranspose2d(f2, f1, KERNEL, stride=2)
        self.bn2 = TfBatchNorm(f1)
        self.logits = nn.ConvTranspose2d(f1, channels, KERNEL, stride=2)

    def forward(self, z):
        h = F.relu(self.bn1(self.project(z))).view(-1, *self.grid)
        h = F.relu(self.bn2(crop_transposed(self.deconv1(h), h.shape[2:])))
        return crop_transposed(self.logits(h), h.shape[2:])


def build_networks(config):
    """The four networks (the generator is the decoder in `shared`) of a file's config."""
    h, w, channels = config["imageShape"]
    c = dict(config, image=(channels, h, w), pixels=h * w * channels)
    conv = config["architecture"] == "conv"
    encoder = (ConvEncoder if conv else MlpEncoder)(c)
    decoder = (ConvDecoder if conv else MlpDecoder)(c)
    generator = decoder if config["variant"] == "shared" else (ConvDecoder if conv else MlpDecoder)(c)
    discriminator = (ConvDiscriminator if conv else MlpDiscriminator)(c)
    return encoder, decoder, generator, discriminator


# ---- losses (src/model/losses.ts) -------------------------------------------------------------


def bernoulli_nll(logits, x):
    """-log p(x|z) summed over pixels, mean over the batch (x may be grey levels)."""
    per_pixel = F.relu(logits) - logits * x + F.softplus(-logits.abs())
    return per_pixel.flatten(1).sum(1).mean()


def kl_divergence(mu, logvar):
    return (-0.5 * (1 + logvar - mu.square() - logvar.exp()).sum(1)).mean()


def fake_cost(recon_logit, prior_logit):
    if recon_logit is None:
        return F.softplus(prior_logit).mean()
    return 0.5 * (F.softplus(recon_logit).mean() + F.softplus(prior_logit).mean())


def discriminator_loss(real_logit, recon_logit, prior_logit):
    return F.softplus(-real_logit).mean() + fake_cost(recon_logit, prior_logit)


def generator_loss(recon_logit, prior_logit, form):
    if form == "non-saturating":
        if recon_logit is None:
            return F.softplus(-prior_logit).mean()
        return 0.5 * (F.softplus(-recon_logit).mean() + F.softplus(-prior_logit).mean())
    if recon_logit is None:
        return -F.softplus(prior_logit).mean()
    return -0.5 * (F.softplus(recon_logit).mean() + F.softplus(prior_logit).mean())


def equilibrium_gate(real_bce, fake_bce):
    train_d = not (real_bce < GATE_EQUILIBRIUM - GATE_MARGIN or fake_bce < GATE_EQUILIBRIUM - GATE_MARGIN)
    train_g = not (real_bce > GATE_EQUILIBRIUM + GATE_MARGIN or fake_bce > GATE_EQUILIBRIUM + GATE_MARGIN)
    if not train_d and not train_g:
        train_d = train_g = True
    return train_d, train_g


# ---- the model and its step (src/model/vaegan.ts) ---------------------------------------------


def phase_one_only(hp):
    """A plain VAE (gamma = 0, pixel loss, not GAN-only) whose D does not watch: phase 1 alone."""
    return (
        hp["gamma"] == 0
        and not hp["ganOnly"]
        and not hp.get("dWatches", True)
        and hp["reconstructionLoss"] == "pixel"
    )


class VaeGan:
    """The four networks, three Adam optimisers with explicit parameter lists, and the step."""

    def __init__(self, config, hyperparams, device="cpu", seed=0):
        self.config = config
        self.hp = dict(hyperparams)
        nets = build_networks(config)
        self.encoder, self.decoder, self.generator, self.discriminator = (n.to(device) for n in nets)
        self.device = device
        self.step_count = 0
        vae_params = list(self.encoder.parameters()) + list(self.decoder.parameters())
        self.opt_vae = torch.optim.Adam(vae_params, lr=self.hp["lrVae"], betas=(0.9, 0.999), eps=ADAM_EPS)
        self.opt_d = torch.optim.Adam(self.discriminator.parameters(), lr=self.hp["lrD"], betas=(0.5, 0.999), eps=ADAM_EPS)
        self.opt_g = torch.optim.Adam(self.generator.parameters(), lr=self.hp["lrG"], betas=(0.5, 0.999), eps=ADAM_EPS)
        self.rng = torch.Generator(device=device).manual_seed(seed)

    @property
    def networks(self):
        nets = {"encoder": self.encoder, "decoder": self.decoder, "discriminator": self.discriminator}
        if self.generator is not self.decoder:
            nets["generator"] = self.generator
        return nets

    def train(self, mode=True):
        for net in self.networks.values():
            net.train(mode)

    def encode(self, x):
        mu, logvar = self.encoder(x).chunk(2, dim=1)
        return mu, logvar

    @torch.no_grad()
    def decode(self, z):
        """Mean images sigmoid(Dec(z)) with the moving batch-norm statistics, [n, C, H, W]."""
        self.train(False)
        return torch.sigmoid(self.generator(z.to(self.device)))

    def _normal(self, shape):
        return torch.randn(shape, generator=self.rng, device=self.device)

    def _minimize(self, optimizer, cost, lr):
        for group in optimizer.param_groups:
            group["lr"] = lr
        optimizer.zero_grad(set_to_none=True)
        cost.backward()
        optimizer.step()

    def step(self, x, hp=None, noise=None):
        """One training step in the app's order (docs/model.md, "One training step").

        x: images [n, C, H, W] in [0, 1]. noise: optional dict of the step's standard-normal
        draws {eps_vae, eps_fakes, z_prior}, each [n, latentDim] (to follow the app's draws exactly).
        Returns the metrics in the app's order (METRICS) as floats.
        """
        hp = dict(self.hp if hp is None else hp)
        n, d = x.shape[0], self.config["latentDim"]
        draw = (lambda key: noise[key].to(self.device)) if noise else (lambda key: self._normal((n, d)))
        self.train(True)
        for net in self.networks.values():
            net.zero_grad(set_to_none=True)
        three = hp["reconstructionsInD"] and not hp["ganOnly"]
        # D itself outside phase 2, which alone trains it: under DistributedDataParallel
        # (train_ddp.py) only phase 2's gradients of D are averaged over the processes.
        d_plain = getattr(self.discriminator, "module", self.discriminator)

        # Phase 1: encoder + decoder minimise L_rec + beta * KL (only measured in GAN-only mode).
        mu, logvar = self.encode(x)
        z = mu + torch.exp(0.5 * logvar) * draw("eps_vae")
        logits = self.decoder(z)
        reconstruction = bernoulli_nll(logits, x)
        kl = kl_divergence(mu, logvar)
        rec = reconstruction
        feature_rec = float("nan")
        if hp["reconstructionLoss"] != "pixel":
            real_features, _ = d_plain(x)
            recon_features, _ = d_plain(torch.sigmoid(logits))
            distance = (0.5 * (real_features - recon_features).square().sum(1)).mean()
            feature_rec = distance.item()
            rec = distance if hp["reconstructionLoss"] == "feature" else reconstruction + distance
        cost = rec + hp["beta"] * kl
        if not hp["ganOnly"]:
            self._minimize(self.opt_vae, cost, hp["lrVae"])
        if phase_one_only(hp):
            # A plain VAE whose D does not watch: phase 1 alone (src/shared/config.ts).
            self.step_count += 1
            nan = float("nan")
            return {
                "reconstruction": reconstruction.item(),
                "kl": kl.item(),
                **{key: nan for key in ("discriminator", "generator", "dReal", "dRecon", "dPrior")},
                "featureRec": feature_rec,
                "skipD": nan,
                "skipG": nan,
            }

        # The fakes phases 2 and 3 share, drawn with the updated encoder and decoder.
        with torch.no_grad():
            mu, logvar = self.encode(x)
            z_tilde = mu + torch.exp(0.5 * logvar) * draw("eps_fakes")
            z_prior = draw("z_prior")
            x_tilde = torch.sigmoid(self.decoder(z_tilde))
            x_prior = torch.sigmoid(self.generator(z_prior))

        train_d = train_g = True
        if hp["equilibriumGate"]:
            with torch.no_grad():
                real_bce = F.softplus(-d_plain(x)[1]).mean().item()
                fake = fake_cost(d_plain(x_tilde)[1] if three else None, d_plain(x_prior)[1])
            train_d, train_g = equilibrium_gate(real_bce, fake.item())

        # Phase 2: D minimises L_D on real images, reconstructions (three batches) and samples.
        real_logit = self.discriminator(x)[1]
        recon_logit = self.discriminator(x_tilde)[1]
        prior_logit = self.discriminator(x_prior)[1]
        loss_d = discriminator_loss(real_logit, recon_logit if three else None, prior_logit)
        d_means = [torch.sigmoid(t).mean().item() for t in (real_logit, recon_logit, prior_logit)]
        if train_d:
            self._minimize(self.opt_d, loss_d, hp["lrD"])

        # Phase 3: G minimises L_G against the D just updated, with a step of gamma * lr_G.
        recon_logit = d_plain(torch.sigmoid(self.decoder(z_tilde)))[1] if three else None
        prior_logit = d_plain(torch.sigmoid(self.generator(z_prior)))[1]
        loss_g = generator_loss(recon_logit, prior_logit, hp["adversarialForm"])
        g_step = hp["lrG"] if hp["ganOnly"] else hp["gamma"] * hp["lrG"]
        if train_g and g_step > 0:
            self._minimize(self.opt_g, loss_g, g_step)
        for net in self.networks.values():
            net.zero_grad(set_to_none=True)
        self.step_count += 1
        return {
            "reconstruction": reconstruction.item(),
            "kl": kl.item(),
            "discriminator": loss_d.item(),
            "generator": loss_g.item(),
            "dReal": d_means[0],
            "dRecon": d_means[1],
            "dPrior": d_means[2],
            "featureRec": feature_rec,
            "skipD": 0.0 if train_d else 1.0,
            "skipG": 0.0 if train_g else 1.0,
        }

    # ---- test likelihood (src/model/quality.ts) ----

    @torch.no_grad()
    def log_weights(self, x, eps):
        """log p(x|z) + log p(z) - log q(z|x) for draws eps [s, m, d] of each binary image x [m, C, H, W]."""
        self.train(False)
        s, m, d = eps.shape
        mu, logvar = self.encode(x)
        z = mu + torch.exp(0.5 * logvar) * eps  # [s, m, d]
        logits = self.decoder(z.reshape(s * m, d)).reshape(s, m, -1)
        target = x.flatten(1)
        log_px = -(F.relu(logits) - logits * target + F.softplus(-logits.abs())).sum(2)
        log_pz = -0.5 * (z.square().sum(2) + d * math.log(2 * math.pi))
        log_qz = -0.5 * (eps.square().sum(2) + logvar.sum(1) + d * math.log(2 * math.pi))
        return log_px + log_pz - log_qz

    @torch.no_grad()
    def bounds(self, x, k, seed=5000, max_rows=4096):
        """ELBO and IWAE bound (nats) per image of binary images x [m, C, H, W], from k draws each."""
        gen = torch.Generator(device=self.device).manual_seed(seed)
        d = self.config["latentDim"]
        elbo, iwae = [], []
        per_chunk = max(1, max_rows // k)
        for start in range(0, x.shape[0], per_chunk):
            xs = x[start : start + per_chunk].to(self.device)
            total = torch.zeros(xs.shape[0], dtype=torch.float64, device=self.device)
            lse = torch.full((xs.shape[0],), -math.inf, dtype=torch.float64, device=self.device)
            for done in range(0, k, max_rows):
                s = min(max_rows, k - done)
                eps = torch.randn((s, xs.shape[0], d), generator=gen, device=self.device)
                lw = self.log_weights(xs, eps).double()
                total += lw.sum(0)
                lse = torch.logaddexp(lse, torch.logsumexp(lw, 0))
            elbo.append(total / k)
            iwae.append(lse - math.log(k))
        return torch.cat(elbo).cpu(), torch.cat(iwae).cpu()


# ---- the app's file (src/features/run-archive/shared/torch-run.ts) ----------------------------


def phase_params(model, phase):
    if phase == "vae":
        return [("encoder", model.encoder), ("decoder", model.decoder)]
    if phase == "discriminator":
        return [("discriminator", model.discriminator)]
    return [("decoder" if model.generator is model.decoder else "generator", model.generator)]


def optimizer_of(model, phase):
    return {"vae": model.opt_vae, "discriminator": model.opt_d, "generator": model.opt_g}[phase]


class Run:
    """A run file: the model, the app's manifest of it, its curves and its picture noise."""

    def __init__(self, model, config, run, history, noise, trained=None):
        self.model, self.config, self.run = model, config, run
        self.history, self.noise, self.trained = history, noise, trained

    @classmethod
    def load(cls, path, device="cpu"):
        tensors, meta = read_safetensors(path)
        if meta.get("format") != FORMAT:
            raise ValueError(f"{path} is not a VAEGAN Playground run (metadata format {meta.get('format')!r})")
        if int(meta.get("format_version", "0")) > FORMAT_VERSION:
            raise ValueError(f"{path} has format version {meta['format_version']}; this module reads {FORMAT_VERSION}")
        config = json.loads(meta["config"])
        run = json.loads(meta["run"])
        model = VaeGan(config, run["hyperparams"], device=device, seed=run.get("seed", 0) + run.get("step", 0))
        for name, net in model.networks.items():
            state = {k[len(name) + 1 :]: v.float() for k, v in tensors.items() if k.startswith(name + ".")}
            if not state and name == "discriminator":
                continue  # a shipped warm start leaves D out: it starts fresh, as in the app
            net.load_state_dict(state, strict=True)
        counts = json.loads(meta["optimizers"]) if "optimizers" in meta else None
        if counts:
            for phase in ("vae", "discriminator", "generator"):
                if not counts.get(phase):
                    continue  # never stepped (e.g. D of a plain VAE trained phase 1 alone): fresh
                opt = optimizer_of(model, phase)
                for prefix, net in phase_params(model, phase):
                    for pname, param in net.named_parameters():
                        key = f"{prefix}.{pname}"
                        opt.state[param] = {
                            "step": torch.tensor(float(counts[phase])),
                            "exp_avg": tensors[f"adam.{phase}.exp_avg.{key}"].float().to(device),
                            "exp_avg_sq": tensors[f"adam.{phase}.exp_avg_sq.{key}"].float().to(device),
                        }
        model.step_count = int(run.get("step", 0))
        history = json.loads(meta["history"]) if "history" in meta else None
        noise = tensors.get("pictures.noise")
        trained = json.loads(meta["trained"]) if "trained" in meta else None
        return cls(model, config, run, history, noise, trained)

    def save(self, path, precision="F32", optimizers=True):
        model = self.model
        cast = (lambda t: t.detach().half()) if precision == "F16" else (lambda t: t.detach().float())
        tensors = {}
        for name, net in model.networks.items():
            for key, value in net.state_dict().items():
                tensors[f"{name}.{key}"] = cast(value)
        counts = {}
        if optimizers:
            for phase in ("vae", "discriminator", "generator"):
                opt = optimizer_of(model, phase)
                steps = [float(opt.state[p]["step"]) for p in opt.state if "step" in opt.state[p]]
                counts[phase] = int(steps[0]) if steps else 0
                for moment in ("exp_avg", "exp_avg_sq"):
                    for prefix, net in phase_params(model, phase):
                        for pname, param in net.named_parameters():
                            state = opt.state.get(param)
                            value = state[moment] if state else torch.zeros_like(param)
                            tensors[f"adam.{phase}.{moment}.{prefix}.{pname}"] = cast(value)
        if self.noise is not None:
            tensors["pictures.noise"] = self.noise.float()
        run = dict(self.run, step=model.step_count, hyperparams=model.hp)
        meta = {"format": FORMAT, "format_version": str(FORMAT_VERSION), "config": json.dumps(self.config), "run": json.dumps(run)}
        if optimizers:
            meta["optimizers"] = json.dumps(counts)
        if self.history is not None:
            meta["history"] = json.dumps(self.history)
        if self.trained is not None:
            meta["trained"] = json.dumps(self.trained)
        write_safetensors(path, tensors, meta)

    def record(self, metrics, elapsed_ms, steps_per_sec):
        """Adds a curve point (the mean metrics since the last one) to the run's history."""
        if self.history is None:
            self.history = {"step": [], "time": [], "stepsPerSec": [], "imagesPerSec": [], "values": {k: [] for k in METRICS}}
        h = self.history
        last_time = h["time"][-1] if h["time"] else float(self.run.get("trainingMs", 0))
        h["step"].append(self.model.step_count)
        h["time"].append(last_time + elapsed_ms)
        h["stepsPerSec"].append(steps_per_sec)
        h["imagesPerSec"].append(steps_per_sec * self.run["batchSize"])
        for key in METRICS:
            values = [m[key] for m in metrics if not math.isnan(m[key])]
            column = h["values"].setdefault(key, [None] * (len(h["step"]) - 1))
            column.append(sum(values) / len(values) if values else None)


# ---- command line -----------------------------------------------------------------------------


def write_png(path, images, columns=8):
    """Writes [n, C, H, W] images in [0, 1] as one PNG grid (grey or RGB), with zlib alone."""
    n, c, h, w = images.shape
    rows = -(-n // columns)
    grid = np.zeros((rows * h, columns * w, c), dtype=np.uint8)
    pixels = (images.clamp(0, 1).mul(255).round().byte().permute(0, 2, 3, 1).cpu().numpy())
    for i in range(n):
        r, col = divmod(i, columns)
        grid[r * h : (r + 1) * h, col * w : (col + 1) * w] = pixels[i]
    color = 0 if c == 1 else 2
    raw = b"".join(b"\x00" + grid[y].tobytes() for y in range(grid.shape[0]))

    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", grid.shape[1], grid.shape[0], 8, color, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(raw, 9)))
        f.write(chunk(b"IEND", b""))


def test_images(run, count, datasets):
    """The first `count` test images, binarised as the quality panel does, [count, C, H, W]."""
    data = Dataset(run.run["dataset"], datasets)
    rows = binarize(data.test_images, range(count), BINARIZE_SEED)
    h, w, c = data.shape
    return torch.from_numpy(rows.reshape(-1, h, w, c).transpose(0, 3, 1, 2).copy())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("info", "sample", "elbo", "train"):
        p = sub.add_parser(name)
        p.add_argument("run", help="a .safetensors run exported by the app or written here")
        p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
        p.add_argument("--datasets", default=None, help="the app's public/datasets folder")
        if name == "sample":
            p.add_argument("--out", default="samples.png")
        if name == "elbo":
            p.add_argument("--images", type=int, default=1000)
            p.add_argument("--k", type=int, default=100)
        if name == "train":
            p.add_argument("--steps", type=int, required=True)
            p.add_argument("--out", required=True)
            p.add_argument("--report-every", type=int, default=100)
    args = parser.parse_args(argv)
    datasets = args.datasets or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "public", "datasets")
    run = Run.load(args.run, args.device)
    model = run.model
    if args.command == "info":
        print(json.dumps({"config": run.config, "step": model.step_count, "dataset": run.run["dataset"], "hyperparams": model.hp, "trained": run.trained}, indent=2))
    elif args.command == "sample":
        noise = run.noise if run.noise is not None else torch.randn(64, run.config["latentDim"])
        write_png(args.out, model.decode(noise))
        print(f"wrote {args.out}: {noise.shape[0]} samples of the run's fixed noise at step {model.step_count}")
    elif args.command == "elbo":
        x = test_images(run, args.images, datasets)
        t0 = time.time()
        elbo, iwae = model.bounds(x, args.k)
        print(json.dumps({"step": model.step_count, "images": args.images, "k": args.k, "elbo": elbo.mean().item(), "nll": -iwae.mean().item(), "seconds": round(time.time() - t0, 1)}))
    elif args.command == "train":
        data = Dataset(run.run["dataset"], datasets)
        order = BatchOrder(len(data.train_images), run.run["seed"])
        batch = run.run["batchSize"]
        order.advance(model.step_count, batch)
        pending, t_mark = [], time.time()
        for i in range(args.steps):
            x = data.to_images(data.train_images[order.next(batch)]).to(args.device)
            if model.hp.get("binarize", False):
                # Dynamic binarisation (the app's switch); PyTorch's own draws, not the app's.
                x = torch.bernoulli(x)
            pending.append(model.step(x))
            if len(pending) == args.report_every or i == args.steps - 1:
                elapsed = time.time() - t_mark
                run.record(pending, elapsed * 1000, len(pending) / max(elapsed, 1e-9))
                print(f"step {model.step_count}: L_rec {pending[-1]['reconstruction']:.2f}, KL {pending[-1]['kl']:.2f}, {len(pending) / max(elapsed, 1e-9):.1f} steps/s", flush=True)
                run.run["trainingMs"] = run.history["time"][-1]
                pending, t_mark = [], time.time()
        # The app draws three noise seeds a step; its stream goes on after the steps taken here.
        run.run["noiseDraws"] = int(run.run.get("noiseDraws", 0)) + 3 * args.steps
        run.save(args.out)
        print(f"wrote {args.out} at step {model.step_count}")


if __name__ == "__main__":
    main()
