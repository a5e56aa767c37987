"""Checks python/vaegan.py against the app on files the app wrote (tests/unit/pytorch-roundtrip.test.ts):

    python3 python/check_roundtrip.py DIR --train-steps N

DIR holds the app's export of a run (run.safetensors), the same run one app step later
(after.safetensors) and what the app computed (expect.safetensors): its prior samples of the
file's noise, the test binarisation and log-weights for given draws, the step's batch, noise and
metrics, and the batch after it. This loads the run, compares each with its own, takes the same
step, compares every weight, buffer and Adam moment with the app's, then trains N more steps in
the app's batch order and writes DIR/out.safetensors for the app to import. Prints one JSON
report; exits 1 when anything differs beyond float32 rounding.
"""

import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from playground_data import BINARIZE_SEED, BatchOrder, Dataset, binarize  # noqa: E402
from safetensors_io import read_safetensors  # noqa: E402
from vaegan import METRICS, Run, optimizer_of, phase_params  # noqa: E402


def max_diff(a, b):
    return float((a.double() - b.double()).abs().max()) if a.numel() else 0.0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dir")
    parser.add_argument("--train-steps", type=int, default=5)
    parser.add_argument("--datasets", default=None)
    args = parser.parse_args()
    torch.manual_seed(0)
    report, failures = {}, []

    def check(name, value, limit):
        report[name] = value
        if not value <= limit:
            failures.append(f"{name} = {value} (limit {limit})")

    run = Run.load(os.path.join(args.dir, "run.safetensors"))
    model = run.model
    expect, _ = read_safetensors(os.path.join(args.dir, "expect.safetensors"))

    # The sample grid of the file's fixed noise, with the moving batch-norm statistics.
    check("samples", max_diff(model.decode(run.noise), expect["samples"]), 2e-5)

    # The quality panel's binarisation, bit for bit, and the log-weights of the same draws.
    data = Dataset(run.run["dataset"], args.datasets or os.path.join(os.path.dirname(__file__), "..", "public", "datasets"))
    m = expect["x_bin"].shape[0]
    h, w, c = data.shape
    mine = binarize(data.test_images, range(m), BINARIZE_SEED).reshape(m, h, w, c).transpose(0, 3, 1, 2)
    check("binarized_bits_differing", float((torch.from_numpy(mine.copy()) != expect["x_bin"]).sum()), 0)
    lw = model.log_weights(expect["x_bin"], expect["eps"])
    check("log_weights", max_diff(lw, expect["log_weights"]), 2e-3)
    k = lw.shape[0]
    elbo = lw.double().mean(0)
    iwae = torch.logsumexp(lw.double(), 0) - np.log(k)
    check("elbo_mean", abs(elbo.mean().item() - expect["elbo"].double().mean().item()), 1e-3)
    check("iwae_mean", abs(iwae.mean().item() - expect["iwae"].double().mean().item()), 1e-3)

    # The batch order: the app's batch after this step, from the app's seed and step.
    order = BatchOrder(len(data.train_images), run.run["seed"])
    order.advance(model.step_count, run.run["batchSize"])
    order.next(run.run["batchSize"])  # the step's own batch
    nxt = data.to_images(data.train_images[order.next(run.run["batchSize"])])
    check("next_batch", max_diff(nxt, expect["next_batch"]), 0)

    # One step on the app's batch and noise, then every tensor against the app's.
    metrics = model.step(
        expect["step_x"],
        noise={"eps_vae": expect["eps_vae"], "eps_fakes": expect["eps_fakes"], "z_prior": expect["z_prior"]},
    )
    app_metrics = expect["metrics"].double().tolist()
    worst = 0.0
    for key, value in zip(METRICS, app_metrics):
        if np.isnan(value) and np.isnan(metrics[key]):
            continue
        worst = max(worst, abs(metrics[key] - value) / max(1.0, abs(value)))
    check("step_metrics_relative", worst, 1e-4)
    after = Run.load(os.path.join(args.dir, "after.safetensors"))
    # A bias that feeds a batch norm gets a gradient of zero up to rounding (the norm removes
    # its shift), and Adam turns that rounding noise into a step of about its learning rate in
    # either direction; the running means of those norms follow them. These are checked to have
    # moved no more than a step each way.
    hp = model.hp
    max_step = hp["lrVae"] + max(hp["gamma"] * hp["lrG"], hp["lrG"] if hp["ganOnly"] else 0)
    before_norm = {"project.bias", "deconv1.bias", "bn1.running_mean", "bn2.running_mean"}
    worst_w, worst_m, worst_b, where = 0.0, 0.0, 0.0, ""
    for name, net in model.networks.items():
        theirs = after.model.networks[name].state_dict()
        for key, value in net.state_dict().items():
            diff = max_diff(value, theirs[key])
            if key in before_norm:
                worst_b = max(worst_b, diff)
            elif diff > worst_w:
                worst_w, where = diff, f"{name}.{key}"
    report["weights_after_step_worst"] = where
    check("biases_before_batch_norm", worst_b, 2 * max_step)
    for phase in ("vae", "discriminator", "generator"):
        mine_opt, their_opt = optimizer_of(model, phase), optimizer_of(after.model, phase)
        for (prefix, net), (_, their_net) in zip(phase_params(model, phase), phase_params(after.model, phase)):
            theirs_by_name = dict(their_net.named_parameters())
            for pname, p_mine in net.named_parameters():
                s_mine = mine_opt.state.get(p_mine, {})
                s_theirs = their_opt.state.get(theirs_by_name[pname], {})
                if pname in before_norm:
                    continue  # noise, as above
                for moment in ("exp_avg", "exp_avg_sq"):
                    if moment in s_mine or moment in s_theirs:
                        # Relative to the tensor's largest value: squared gradients span many scales.
                        scale = max(float(s_theirs[moment].abs().max()), 1e-30)
                        worst_m = max(worst_m, max_diff(s_mine[moment], s_theirs[moment]) / scale)
                if "step" in s_mine:
                    check(f"adam_{phase}_step_differs", abs(float(s_mine["step"]) - float(s_theirs["step"])), 0)
    check("weights_after_step", worst_w, 2e-5)
    check("adam_moments_after_step_relative", worst_m, 1e-4)

    # Train on in the app's batch order and write the run for the app.
    out = None
    for _ in range(args.train_steps):
        x = data.to_images(data.train_images[order.next(run.run["batchSize"])])
        out = model.step(x)
        if not all(np.isfinite(v) for k, v in out.items() if k != "featureRec"):
            failures.append(f"non-finite metrics while training: {out}")
            break
    if out is not None:
        run.record([out], 1.0, 1.0)
    out_path = os.path.join(args.dir, "out.safetensors")
    run.save(out_path)
    report["out_step"] = model.step_count
    print(json.dumps({"report": report, "failures": failures}))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
