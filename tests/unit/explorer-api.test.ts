// The latent explorer's worker API driven the way the page drives it: comlink over a
// MessageChannel, with weights serialised from a real VaeGan and the real MNIST test files.
import * as Comlink from 'comlink';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { prepareDatasets } from '../../scripts/datasets.mjs';
import { DEFAULT_HYPERPARAMS, DEFAULT_MODEL_CONFIG } from '../../src/shared/config';
import { lerp, norm, planeToZ, slerp } from '../../src/shared/latent';
import { saveNetwork } from '../../src/model/serialize';
import { VaeGan } from '../../src/model/vaegan';
import {
  createExplorerApi,
  type ExplorerApi,
} from '../../src/features/explorer/worker/explorer-api';
import { toUnitFloats } from '../../src/shared/image-grid';
import { createTrainerApi, type TrainerApi } from '../../src/features/training/worker/trainer-api';
import type {
  ImageGrid,
  TrainerEvent,
  WeightsSnapshot,
} from '../../src/features/training/shared/protocol';
import { nodeFetchBytes } from '../helpers/node-fetch-bytes';
import { cachedFetchBytes } from '../helpers/trainer-channel';

const root = fileURLToPath(new URL('../../', import.meta.url));
const latentDim = 5;

/** Grey levels (R channel) of an RGBA grid's cell at column `col` (cells of 28 px, `gap` apart). */
function cell(grid: ImageGrid, col: number, gap: number): number[] {
  const out: number[] = [];
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++)
      out.push(grid.pixels[(y * grid.width + col * (28 + gap) + x) * 4]!);
  }
  return out;
}

const maxDiff = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));

let model: VaeGan;
let snapshot: WeightsSnapshot;
let labels: Uint8Array;
let testImages: Uint8Array;

// The trained model and its weight snapshot: built once, only read by the tests.
beforeAll(async () => {
  await prepareDatasets({ root });
  await tf.setBackend('cpu');
  labels = await nodeFetchBytes('/datasets/mnist/test-labels.u8');
  testImages = await nodeFetchBytes('/datasets/mnist/test-images.u8');
  model = new VaeGan(
    { ...DEFAULT_MODEL_CONFIG, latentDim, hiddenUnits: 32, seed: 4 },
    DEFAULT_HYPERPARAMS,
  );
  // A few steps on real digits, so codes and images are not those of random weights.
  const x = tf.tensor2d(
    toUnitFloats(
      testImages.subarray(0, 784 * 64),
      Array.from({ length: 64 }, (_, i) => i),
    ),
    [64, 784],
  );
  for (let i = 0; i < 5; i++) tf.dispose(model.trainStep(x, DEFAULT_HYPERPARAMS));
  x.dispose();
  snapshot = {
    step: 5,
    modelId: 1,
    dataset: 'mnist',
    latentDim,
    encoder: await saveNetwork(model.encoder),
    decoder: await saveNetwork(model.decoder),
  };
});

afterAll(() => model.dispose());

/**
 * Runs `body` with an explorer worker of its own (comlink over a MessageChannel), initialised on
 * the CPU backend and, unless `load` is false, holding the model's snapshot.
 */
async function withExplorer(
  body: (remote: Comlink.Remote<ExplorerApi>) => Promise<void>,
  load = true,
) {
  const channel = new MessageChannel();
  Comlink.expose(createExplorerApi({ fetchBytes: cachedFetchBytes }), channel.port1);
  const remote = Comlink.wrap<ExplorerApi>(channel.port2);
  try {
    if (load) {
      await remote.init({ backend: 'cpu', datasetsBaseUrl: '/datasets/' });
      await remote.loadWeights(snapshot);
    }
    await body(remote);
  } finally {
    await remote.dispose();
    remote[Comlink.releaseProxy]();
    channel.port1.close();
    channel.port2.close();
  }
}

describe('explorer API over a MessageChannel', () => {
  it('refuses to decode before it has weights, with a message', () =>
    withExplorer(async (remote) => {
      const backend = await remote.init({ backend: 'cpu', datasetsBaseUrl: '/datasets/' });
      expect(backend.name).toBe('cpu');
      await expect(remote.decode(new Float32Array(latentDim))).rejects.toThrow(/No weights yet/);
    }, false));

  it('loads a snapshot and decodes exactly what the trained decoder decodes', () =>
    withExplorer(async (remote) => {
      await remote.init({ backend: 'cpu', datasetsBaseUrl: '/datasets/' });
      const loaded = await remote.loadWeights(snapshot);
      expect(loaded).toMatchObject({ step: 5, latentDim, dataset: 'mnist', testCount: 10000 });
      expect(loaded.classes).toHaveLength(10);
      const z = new Float32Array([0.5, -1, 0.25, 2, -0.3]);
      const { step, image } = await remote.decode(z);
      expect(step).toBe(5);
      expect([image.width, image.height, image.pixels.length]).toEqual([28, 28, 28 * 28 * 4]);
      const want = await model.decode(tf.tensor2d(z, [1, latentDim])).data();
      const got = cell(image, 0, 0);
      expect(
        maxDiff(
          got,
          Array.from(want, (v) => Math.round(v * 255)),
        ),
      ).toBeLessThanOrEqual(1);
      // A different code gives a different image.
      const other = await remote.decode(new Float32Array([-2, 2, -2, 2, -2]));
      expect(maxDiff(cell(other.image, 0, 0), got)).toBeGreaterThan(10);
    }, false));

  it('rejects codes of the wrong size or with NaN', () =>
    withExplorer(async (remote) => {
      await expect(remote.decode(new Float32Array(3))).rejects.toThrow(/5 numbers/);
      await expect(remote.decode(new Float32Array([0, 0, Number.NaN, 0, 0]))).rejects.toThrow(
        /finite/,
      );
    }));

  it('scatters >= 2,000 encoded test images on the PCA plane, with labels and a data range', () =>
    withExplorer(async (remote) => {
      const s = await remote.scatter({ mode: 'pca', axes: [0, 1], base: 'origin' });
      expect(s.count).toBeGreaterThanOrEqual(2000);
      expect(s.coords.length).toBe(2 * s.count);
      expect(new Set(s.labels).size).toBe(10);
      expect(s.axisNames).toEqual(['PC1', 'PC2']);
      expect(norm(s.plane.u)).toBeCloseTo(1, 5);
      expect(s.explained![0]).toBeGreaterThanOrEqual(s.explained![1]);
      // Most points lie inside mean +- 3 sd.
      let inside = 0;
      for (let i = 0; i < s.count; i++) {
        const x = s.coords[2 * i]!;
        const y = s.coords[2 * i + 1]!;
        if (x >= s.range.xMin && x <= s.range.xMax && y >= s.range.yMin && y <= s.range.yMax)
          inside++;
      }
      expect(inside / s.count).toBeGreaterThan(0.95);
      // Coordinates are the projections of the codes: test image 7's code projects onto its point.
      const { images } = await remote.testImages([7]);
      const mu = images[0]!.mu;
      const x = mu.reduce((sum, v, j) => sum + v * s.plane.u[j]!, 0);
      expect(s.coords[14]).toBeCloseTo(x, 4);
    }));

  it('axes plane through a test image: other coordinates held at its code', () =>
    withExplorer(async (remote) => {
      const s = await remote.scatter({ mode: 'axes', axes: [1, 3], base: 12 });
      expect(s.axisNames).toEqual(['z2', 'z4']);
      const { images } = await remote.testImages([12]);
      expect(Array.from(s.plane.base)).toEqual(Array.from(images[0]!.mu));
      // Test image 12 sits at the plane's origin, and its code is the plane's point (0, 0).
      expect(s.coords[24]).toBeCloseTo(0, 6);
      expect(s.coords[25]).toBeCloseTo(0, 6);
      expect(Array.from(planeToZ(s.plane, 0, 0))).toEqual(Array.from(images[0]!.mu));
      await expect(remote.scatter({ mode: 'axes', axes: [2, 2], base: 'origin' })).rejects.toThrow(
        /two different/,
      );
      await expect(remote.scatter({ mode: 'axes', axes: [0, 9], base: 'origin' })).rejects.toThrow(
        /from 1 to 5/,
      );
    }));

  it('interpolation: N images whose ends match the reconstructions of the two images', () =>
    withExplorer(async (remote) => {
      for (const mode of ['linear', 'spherical'] as const) {
        const r = await remote.interpolate({ a: 3, b: 42, steps: 10, mode });
        expect(r.strip.cols).toBe(10);
        expect(r.strip.width).toBe(10 * 28 + 9);
        expect(r.a.index).toBe(3);
        expect(r.b.label).toBe(labels[42]);
        expect(maxDiff(cell(r.strip, 0, 1), cell(r.a.recon, 0, 0))).toBeLessThanOrEqual(1);
        expect(maxDiff(cell(r.strip, 9, 1), cell(r.b.recon, 0, 0))).toBeLessThanOrEqual(1);
        // The middle is the decoding of the interpolated code, computed here with the model.
        const mid = (mode === 'linear' ? lerp : slerp)(r.a.mu, r.b.mu, 5 / 9);
        const want = await model.decode(tf.tensor2d(mid, [1, latentDim])).data();
        const wantBytes = Array.from(want, (v) => Math.round(v * 255));
        expect(maxDiff(cell(r.strip, 5, 1), wantBytes)).toBeLessThanOrEqual(1);
        // The codes are those of images 3 and 42, as the model encodes them.
        const { mu } = model.encode(tf.tensor2d(toUnitFloats(testImages, [3]), [1, 784]));
        const muA = await mu.data();
        r.a.mu.forEach((v, j) => expect(v).toBeCloseTo(muA[j]!, 4));
      }
      await expect(
        remote.interpolate({ a: 3, b: 10000, steps: 10, mode: 'linear' }),
      ).rejects.toThrow(/from 0 to 9999/);
      await expect(remote.interpolate({ a: 3, b: 4, steps: 1, mode: 'linear' })).rejects.toThrow(
        /Steps/,
      );
    }));

  it('decodes the plane as a grid of images', () =>
    withExplorer(async (remote) => {
      const s = await remote.scatter({ mode: 'pca', axes: [0, 1], base: 'origin' });
      const grid = await remote.decodeGrid(s.plane, s.range, 15);
      expect([grid.cols, grid.rows, grid.width]).toEqual([15, 15, 15 * 28]);
      expect(maxDiff(cell(grid, 0, 0), cell(grid, 14, 0))).toBeGreaterThan(5);
    }));

  it('a new snapshot replaces the weights without leaking tensors', () =>
    withExplorer(async (remote) => {
      const before = tf.memory().numTensors;
      const again = {
        ...snapshot,
        step: 6,
        encoder: { ...snapshot.encoder },
        decoder: { ...snapshot.decoder },
      };
      expect((await remote.loadWeights(again)).step).toBe(6);
      expect((await remote.decode(new Float32Array(latentDim))).step).toBe(6);
      expect(tf.memory().numTensors).toBe(before);
    }));
});

describe('the trainer sends weight snapshots the explorer can load', () => {
  it('after configure and Step, with the step they are from', async () => {
    const channel = new MessageChannel();
    Comlink.expose(createTrainerApi({ fetchBytes: nodeFetchBytes }), channel.port1);
    const trainer = Comlink.wrap<TrainerApi>(channel.port2);
    const events: TrainerEvent[] = [];
    await trainer.init(
      { backend: 'cpu', datasetsBaseUrl: '/datasets/' },
      Comlink.proxy((e: TrainerEvent) => void events.push(e)),
    );
    await trainer.configure({
      dataset: 'mnist',
      architecture: 'mlp',
      variant: 'shared',
      latentDim: 3,
      hiddenUnits: 16,
      hiddenLayers: 1,
      batchSize: 8,
      seed: 2,
    });
    await trainer.step();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const weights = events.flatMap((e) => (e.type === 'weights' ? [e.weights] : []));
    expect(weights.map((w) => w.step)).toEqual([0, 1]);
    expect(weights[1]!.latentDim).toBe(3);
    expect(weights[1]!.decoder.weightData.byteLength).toBe(4 * (3 * 16 + 16 + 16 * 784 + 784));

    const explorerChannel = new MessageChannel();
    Comlink.expose(createExplorerApi({ fetchBytes: nodeFetchBytes }), explorerChannel.port1);
    const explorer = Comlink.wrap<ExplorerApi>(explorerChannel.port2);
    await explorer.init({ backend: 'cpu', datasetsBaseUrl: '/datasets/' });
    expect((await explorer.loadWeights(weights[1]!)).step).toBe(1);
    const { image } = await explorer.decode(new Float32Array([0.1, 0.2, 0.3]));
    expect(image.pixels.length).toBe(28 * 28 * 4);
    await explorer.dispose();
    await trainer.dispose();
    for (const port of [channel.port1, channel.port2, explorerChannel.port1, explorerChannel.port2])
      port.close();
  });
});
