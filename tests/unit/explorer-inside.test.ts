// The explorer worker's views inside the model (issue 19), driven over comlink as the page
// drives them, each against the model computed here directly: D's map equals D(Dec(z)) at the
// grid's points, the posterior statistics equal the per-dimension KL of the codes, the drawing
// is encoded and reconstructed as the model does, traversals decode base + t sigma axis, and a
// drawing can be an end of the interpolation.
import * as Comlink from 'comlink';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { prepareDatasets } from '../../scripts/datasets.mjs';
import { DEFAULT_HYPERPARAMS, DEFAULT_MODEL_CONFIG } from '../../src/shared/config';
import { axisVector, gridPoints, planeToZ, type LatentPlane } from '../../src/shared/latent';
import { saveNetwork } from '../../src/model/serialize';
import { klPerDimension, meanActivity } from '../../src/model/posterior';
import { VaeGan } from '../../src/model/vaegan';
import {
  createExplorerApi,
  type ExplorerApi,
} from '../../src/features/explorer/worker/explorer-api';
import { SCATTER_COUNT } from '../../src/features/explorer/shared/protocol';
import { drawingToImage } from '../../src/features/explorer/shared/drawing';
import { toUnitFloats } from '../../src/shared/image-grid';
import type { ImageGrid, WeightsSnapshot } from '../../src/features/training/shared/protocol';
import { nodeFetchBytes } from '../helpers/node-fetch-bytes';
import { cachedFetchBytes } from '../helpers/trainer-channel';

const root = fileURLToPath(new URL('../../', import.meta.url));
const latentDim = 4;

let model: VaeGan;
let snapshot: WeightsSnapshot;
let testImages: Uint8Array;

/** Grey levels of an RGBA grid's cell (row, col), cells of 28 px `gap` apart. */
function cell(grid: ImageGrid, row: number, col: number, gap: number): number[] {
  const out: number[] = [];
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      out.push(grid.pixels[((row * (28 + gap) + y) * grid.width + col * (28 + gap) + x) * 4]!);
    }
  }
  return out;
}
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i]!)));
const bytes = (values: ArrayLike<number>) => Array.from(values, (v) => Math.round(v * 255));

beforeAll(async () => {
  await prepareDatasets({ root });
  await tf.setBackend('cpu');
  testImages = await nodeFetchBytes('/datasets/mnist/test-images.u8');
  model = new VaeGan(
    { ...DEFAULT_MODEL_CONFIG, latentDim, hiddenUnits: 32, seed: 9 },
    DEFAULT_HYPERPARAMS,
  );
  const x = tf.tensor2d(
    toUnitFloats(
      testImages,
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
    discriminator: await saveNetwork(model.discriminator),
  };
});

afterAll(() => model.dispose());

async function withExplorer(
  body: (remote: Comlink.Remote<ExplorerApi>) => Promise<void>,
  weights: WeightsSnapshot = snapshot,
) {
  const channel = new MessageChannel();
  Comlink.expose(createExplorerApi({ fetchBytes: cachedFetchBytes }), channel.port1);
  const remote = Comlink.wrap<ExplorerApi>(channel.port2);
  try {
    await remote.init({ backend: 'cpu', datasetsBaseUrl: '/datasets/' });
    await remote.loadWeights(weights);
    await body(remote);
  } finally {
    await remote.dispose();
    remote[Comlink.releaseProxy]();
    channel.port1.close();
    channel.port2.close();
  }
}

/** The model's own D(Dec(z)) for a batch of codes. */
async function dOfDecoded(z: Float32Array, count: number): Promise<Float32Array> {
  const t = tf.tidy(() => model.score(model.decode(tf.tensor2d(z, [count, latentDim]))));
  const v = (await t.data()) as Float32Array;
  t.dispose();
  return v;
}

describe("the discriminator's map of the plane", () => {
  it('equals D(Dec(z)) at the sampled points of the grid', () =>
    withExplorer(async (remote) => {
      const plane: LatentPlane = {
        base: new Float32Array([0.2, -0.1, 0.3, 0]),
        u: axisVector(latentDim, 0),
        v: axisVector(latentDim, 2),
      };
      const range = { xMin: -2, xMax: 3, yMin: -1, yMax: 1.5 };
      const map = await remote.discriminatorMap(plane, range, 6);
      expect(map.n).toBe(6);
      expect(map.step).toBe(5);
      expect(map.scores).toHaveLength(36);
      const points = gridPoints(range, 6);
      const z = new Float32Array(36 * latentDim);
      for (let i = 0; i < 36; i++)
        z.set(planeToZ(plane, points[2 * i]!, points[2 * i + 1]!), i * 4);
      const want = await dOfDecoded(z, 36);
      expect(maxDiff(map.scores, want)).toBeLessThan(1e-5);
      // Not a constant: D tells the places of the plane apart.
      expect(Math.max(...map.scores) - Math.min(...map.scores)).toBeGreaterThan(1e-4);
      await expect(remote.discriminatorMap(plane, range, 1)).rejects.toThrow(/map size/);
    }));

  it('says so when the snapshot carries no discriminator', () =>
    withExplorer(
      async (remote) => {
        const plane = {
          base: new Float32Array(latentDim),
          u: axisVector(latentDim, 0),
          v: axisVector(latentDim, 1),
        };
        await expect(
          remote.discriminatorMap(plane, { xMin: -1, xMax: 1, yMin: -1, yMax: 1 }),
        ).rejects.toThrow(/No copy of the discriminator/);
      },
      { ...snapshot, discriminator: undefined } as WeightsSnapshot,
    ));
});

describe('posterior statistics', () => {
  it('are the per-dimension KL and Cov_x(E_q[z_j]) of the embedded test codes', () =>
    withExplorer(async (remote) => {
      const stats = await remote.posterior();
      expect(stats.count).toBe(SCATTER_COUNT);
      expect(stats.kl).toHaveLength(latentDim);
      const x = tf.tensor2d(
        toUnitFloats(
          testImages,
          Array.from({ length: SCATTER_COUNT }, (_, i) => i),
        ),
        [SCATTER_COUNT, 784],
      );
      const { mu, logvar } = model.encode(x);
      const m = await mu.data();
      const lv = await logvar.data();
      tf.dispose([x, mu, logvar]);
      const kl = klPerDimension(m, lv, SCATTER_COUNT, latentDim);
      const activity = meanActivity(m, SCATTER_COUNT, latentDim);
      stats.kl.forEach((v, j) => expect(v).toBeCloseTo(kl[j]!, 4));
      stats.activity.forEach((v, j) => expect(v).toBeCloseTo(activity[j]!, 5));
      expect(stats.active).toBe(Array.from(activity).filter((v) => v > 0.01).length);
      expect(stats.threshold).toBe(0.01);
    }));
});

describe('the drawing', () => {
  const stroke = Array.from({ length: 20 }, (_, i) => ({ x: 100, y: 20 + 10 * i }));

  it('is encoded and reconstructed as the model does it, with sigma = exp(logvar / 2)', () =>
    withExplorer(async (remote) => {
      const image = drawingToImage([stroke])!;
      const view = await remote.encodeDrawing(image);
      const { mu, logvar } = model.encode(tf.tensor2d(image, [1, 784]));
      const m = await mu.data();
      const lv = await logvar.data();
      const recon = await model.decode(mu).data();
      tf.dispose([mu, logvar]);
      expect(maxDiff(view.mu, m)).toBeLessThan(1e-5);
      expect(
        maxDiff(
          view.sigma,
          Array.from(lv, (v) => Math.exp(v / 2)),
        ),
      ).toBeLessThan(1e-5);
      expect(maxDiff(cell(view.input, 0, 0, 0), bytes(image))).toBeLessThanOrEqual(1);
      expect(maxDiff(cell(view.recon, 0, 0, 0), bytes(recon))).toBeLessThanOrEqual(1);
      await expect(remote.encodeDrawing(new Float32Array(10))).rejects.toThrow(/28×28/);
      await expect(remote.encodeDrawing(new Float32Array(784).fill(2))).rejects.toThrow(/\[0, 1\]/);
    }));

  it('can be an end of the interpolation', () =>
    withExplorer(async (remote) => {
      const image = drawingToImage([stroke])!;
      const r = await remote.interpolate({ a: { drawing: image }, b: 7, steps: 5, mode: 'linear' });
      expect(r.a.drawing).toBe(true);
      expect(r.a.index).toBe(-1);
      expect(r.b.index).toBe(7);
      const { mu } = model.encode(tf.tensor2d(image, [1, 784]));
      const want = await model.decode(mu).data();
      mu.dispose();
      // The strip starts at Dec(mu(drawing)).
      expect(maxDiff(cell(r.strip, 0, 0, 1), bytes(want))).toBeLessThanOrEqual(1);
    }));
});

describe('traversals', () => {
  it('decode base + t sigma e_j along each dimension, largest KL first, t from -3 to 3', () =>
    withExplorer(async (remote) => {
      const stats = await remote.posterior();
      const r = await remote.traverse({ mode: 'dims', base: 3, steps: 5, scale: 'codes' });
      expect(r.offsets).toEqual([-3, -1.5, 0, 1.5, 3]);
      expect(r.rows).toHaveLength(latentDim);
      expect(r.hidden).toBe(0);
      const kls = r.rows.map((row) => row.kl!);
      expect(kls).toEqual([...kls].sort((a, b) => b - a));
      const first = r.rows[0]!;
      const j = Number(first.name.slice(1)) - 1;
      expect(first.sigma).toBeCloseTo(Math.sqrt(stats.activity[j]!), 5);
      // Row 0, column 4: mu(test image 3) + 3 sigma e_j.
      const { mu } = model.encode(tf.tensor2d(toUnitFloats(testImages, [3]), [1, 784]));
      const base = Float32Array.from(await mu.data());
      mu.dispose();
      base[j] = base[j]! + 3 * first.sigma;
      const want = await model.decode(tf.tensor2d(base, [1, latentDim])).data();
      expect(maxDiff(cell(r.grid, 0, 4, 1), bytes(want))).toBeLessThanOrEqual(1);
    }));

  it('with the prior scale step by 1 around the origin; along principal axes too; bad input is refused', () =>
    withExplorer(async (remote) => {
      const r = await remote.traverse({ mode: 'dims', base: 'origin', steps: 3, scale: 'prior' });
      expect(r.rows.every((row) => row.sigma === 1)).toBe(true);
      const j = Number(r.rows[1]!.name.slice(1)) - 1;
      const z = new Float32Array(latentDim);
      z[j] = -3;
      const want = await model.decode(tf.tensor2d(z, [1, latentDim])).data();
      expect(maxDiff(cell(r.grid, 1, 0, 1), bytes(want))).toBeLessThanOrEqual(1);
      const p = await remote.traverse({ mode: 'pca', base: 'origin', steps: 7, scale: 'codes' });
      expect(p.rows.map((row) => row.name)).toEqual(['PC1', 'PC2', 'PC3', 'PC4']);
      expect(p.rows[0]!.explained).toBeGreaterThan(p.rows[3]!.explained!);
      expect([p.grid.cols, p.grid.rows]).toEqual([7, 4]);
      await expect(
        remote.traverse({ mode: 'dims', base: 'origin', steps: 2, scale: 'codes' }),
      ).rejects.toThrow(/from 3 to 15/);
    }));
});
