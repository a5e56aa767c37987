"""The app's data, bit for bit: the data set files, the seeded random numbers (mulberry32), the
dynamic binarisation of the test images and the order of the training batches.

With these, a run continued in PyTorch sees the batches the app would have shown it, and its
test ELBO is measured on the very bits the app's quality panel measures on
(src/shared/random.ts, src/model/quality.ts, src/features/training/worker/batch-sampler.ts).
"""

import gzip
import json
import os

import numpy as np
import torch

INCREMENT = 0x6D2B79F5
MASK = np.uint64(0xFFFFFFFF)

#: The quality panel's seeds (src/features/quality/shared/quality-protocol.ts).
BINARIZE_SEED = 20_151_101

DEFAULT_ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "public", "datasets")


def mulberry32(seed, start, count):
    """Draws start+1 .. start+count of mulberry32(seed), as floats in [0, 1) (numpy float64).

    Its state only adds a constant per draw, so any stretch of the stream is computed at once.
    """
    k = np.arange(start + 1, start + count + 1, dtype=np.uint64)
    a = (np.uint64(seed & 0xFFFFFFFF) + k * np.uint64(INCREMENT)) & MASK
    t = ((a ^ (a >> np.uint64(15))) * (a | np.uint64(1))) & MASK
    t = t ^ ((t + (((t ^ (t >> np.uint64(7))) * (t | np.uint64(61))) & MASK)) & MASK)
    return ((t ^ (t >> np.uint64(14))) & MASK).astype(np.float64) / 4294967296.0


class Dataset:
    """One data set of the app's public/datasets folder (written by npm run datasets)."""

    def __init__(self, name="mnist", root=DEFAULT_ROOT):
        with open(os.path.join(root, "manifest.json"), encoding="utf-8") as f:
            manifest = json.load(f)
        info = next((d for d in manifest["datasets"] if d["id"] == name), None)
        if info is None:
            raise ValueError(f"no data set {name!r} in {root}/manifest.json")
        self.info = info
        self.shape = tuple(info["shape"])  # (height, width, channels)

        def read(rel):
            # Format 2 stores each file gzipped (*.u8.gz); format 1 stored it raw.
            path = os.path.join(root, rel)
            if rel.endswith(".gz"):
                with gzip.open(path, "rb") as f:
                    return np.frombuffer(f.read(), dtype=np.uint8)
            return np.fromfile(path, dtype=np.uint8)

        pixels = int(np.prod(self.shape))
        self.train_images = read(info["train"]["images"]).reshape(-1, pixels)
        self.test_images = read(info["test"]["images"]).reshape(-1, pixels)
        self.test_labels = read(info["test"]["labels"])

    def to_images(self, rows):
        """uint8 rows in the app's channels-last order -> float32 [n, C, H, W] in [0, 1].

        pixel / 255 is taken in float64 and rounded once, as the app's Float32Array does.
        """
        h, w, c = self.shape
        x = (np.asarray(rows, dtype=np.float64) / 255.0).astype(np.float32)
        return torch.from_numpy(x.reshape(-1, h, w, c).transpose(0, 3, 1, 2).copy())


def binarize(images_u8, indices, seed=BINARIZE_SEED):
    """The quality panel's dynamic binarisation: pixel = 1 with probability intensity / 255.

    Returns float32 rows in the order given (channels-last, as the app's images are).
    """
    rows = images_u8[np.asarray(indices)]
    draws = mulberry32(seed, 0, rows.size).reshape(rows.shape)
    return (draws < rows.astype(np.float64) / 255.0).astype(np.float32)


class BatchOrder:
    """The app's batch order: seeded shuffles without replacement, an epoch's remainder dropped."""

    def __init__(self, count, seed):
        self.count = count
        self.seed = seed
        self.draws = 0  # mulberry32 draws taken so far (each shuffle takes count - 1)
        self.order = np.arange(count)
        self.cursor = 0
        self._shuffle()

    def _shuffle(self):
        n = self.count
        order = list(range(n))
        r = mulberry32(self.seed, self.draws, max(0, n - 1))
        for k, i in enumerate(range(n - 1, 0, -1)):
            j = int(r[k] * (i + 1))
            order[i], order[j] = order[j], order[i]
        self.draws += max(0, n - 1)
        self.order = np.asarray(order)
        self.cursor = 0

    def advance(self, batches, batch_size):
        """Moves on by `batches` batches as a restored run does, without drawing them."""
        if batches <= 0:
            return
        if batch_size > self.count:
            n = batches * batch_size
            left = self.count - self.cursor
            if n <= left:
                self.cursor += n
                return
            n -= left
            orders = -(-n // self.count)
            self.draws += (orders - 1) * max(0, self.count - 1)
            self._shuffle()
            self.cursor = n - (orders - 1) * self.count
            return
        per_epoch = self.count // batch_size
        left = (self.count - self.cursor) // batch_size
        if batches <= left:
            self.cursor += batches * batch_size
            return
        rest = batches - left
        epochs = (rest - 1) // per_epoch
        self.draws += epochs * max(0, self.count - 1)
        self._shuffle()
        self.cursor = (rest - 1 - epochs * per_epoch + 1) * batch_size

    def next(self, batch_size):
        """The next batch's image indices."""
        if batch_size > self.count:
            out = []
            for _ in range(batch_size):
                if self.cursor >= self.count:
                    self._shuffle()
                out.append(int(self.order[self.cursor]))
                self.cursor += 1
            return np.asarray(out)
        if self.cursor + batch_size > self.count:
            self._shuffle()
        out = self.order[self.cursor : self.cursor + batch_size]
        self.cursor += batch_size
        return out
