"""Trains an app run on several GPUs (or CPU processes) with PyTorch's DistributedDataParallel.

    torchrun --nproc_per_node=4 python/train_ddp.py run.safetensors --steps 20000 --out run2.safetensors
    python3 python/train_ddp.py run.safetensors --nproc 4 --steps 20000 --out run2.safetensors

torchrun (python3 -m torch.distributed.run) starts the processes, on one machine or several;
--nproc starts them here without it. NCCL on GPUs, gloo on CPUs.

Each process holds the whole model and takes its own share of every batch: the app's batch
order draws a global batch of world_size x batchSize images, and process r trains on the r-th
slice. DDP averages the gradients of each phase over the processes, so one step here is the
app's step on the global batch (the losses are means over the batch). The conv decoder's batch
norm takes its statistics on each process's own slice (as nn.BatchNorm under DDP does), and its
running statistics are those of process 0. The learning rates are the run's: with a much larger
global batch, raise them yourself. Process 0 writes the run; the app imports it and trains on.
"""

import argparse
import os
import socket
import sys
import time

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch.nn.parallel import DistributedDataParallel as DDP

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from playground_data import BatchOrder, Dataset  # noqa: E402
from vaegan import Run  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("run")
    parser.add_argument("--steps", type=int, required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--datasets", default=None)
    parser.add_argument("--nproc", type=int, default=0, help="start this many processes here (without torchrun)")
    args = parser.parse_args()
    if args.nproc and "RANK" not in os.environ:
        os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
        if "MASTER_PORT" not in os.environ:
            with socket.socket() as probe:  # a port that is free now
                probe.bind(("127.0.0.1", 0))
                os.environ["MASTER_PORT"] = str(probe.getsockname()[1])
        mp.spawn(worker, args=(args.nproc, args), nprocs=args.nproc)
        return
    worker(None, None, args)


def worker(local_rank, world_size, args):
    """One process: its rank from torchrun's environment, or from mp.spawn (local_rank)."""
    if local_rank is not None:
        os.environ.update(RANK=str(local_rank), LOCAL_RANK=str(local_rank), WORLD_SIZE=str(world_size))
    cuda = torch.cuda.is_available()
    dist.init_process_group("nccl" if cuda else "gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    local = int(os.environ.get("LOCAL_RANK", 0))
    device = f"cuda:{local}" if cuda else "cpu"
    if cuda:
        torch.cuda.set_device(local)

    run = Run.load(args.run, device)
    model = run.model
    # Different noise on every process; the same weights (the file's) everywhere.
    model.rng.manual_seed(run.run.get("seed", 0) * 7919 + model.step_count * 104729 + rank)
    ids = [local] if cuda else None
    shared = model.generator is model.decoder
    model.encoder = DDP(model.encoder, device_ids=ids)
    model.decoder = DDP(model.decoder, device_ids=ids)
    model.generator = model.decoder if shared else DDP(model.generator, device_ids=ids)
    model.discriminator = DDP(model.discriminator, device_ids=ids)

    data = Dataset(run.run["dataset"], args.datasets) if args.datasets else Dataset(run.run["dataset"])
    batch = run.run["batchSize"]
    order = BatchOrder(len(data.train_images), run.run["seed"])
    order.advance(model.step_count, batch)
    pending, mark = [], time.time()
    for i in range(args.steps):
        indices = order.next(batch * world)[rank * batch : (rank + 1) * batch]
        pending.append(model.step(data.to_images(data.train_images[indices]).to(device)))
        if rank == 0 and (len(pending) == 100 or i == args.steps - 1):
            elapsed = time.time() - mark
            run.record(pending, elapsed * 1000, len(pending) / max(elapsed, 1e-9))
            run.run["trainingMs"] = run.history["time"][-1]
            print(f"step {model.step_count}: L_rec {pending[-1]['reconstruction']:.2f}", flush=True)
            pending, mark = [], time.time()
    if rank == 0:
        # Unwrapped again, so the file has the networks' own names.
        model.encoder, model.decoder = model.encoder.module, model.decoder.module
        model.generator = model.decoder if shared else model.generator.module
        model.discriminator = model.discriminator.module
        run.run["noiseDraws"] = int(run.run.get("noiseDraws", 0)) + 3 * args.steps
        run.save(args.out)
        print(f"wrote {args.out} at step {model.step_count} ({world} processes)")
    dist.barrier()
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
