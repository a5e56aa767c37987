// The trainer on a set of the user's own images (tfjs CPU backend in Node): a colour set builds
// 3,072-input networks and paints colour pictures; a batch larger than the set spans epochs; a
// saved run records the set and restores only onto the same images.
import { beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { prepareDatasets } from '../../scripts/datasets.mjs';
import { mulberry32 } from '../../src/shared/random';
import type { Dataset } from '../../src/shared/dataset';
import { composeGrid } from '../../src/shared/image-grid';
import type { RunSettings, TrainerEvent } from '../../src/features/training/shared/protocol';
import { Trainer } from '../../src/features/training/worker/trainer';
import {
  assembleDataset,
  NO_USER_DATASET,
  USER_COLOUR,
  USER_GREY,
} from '../../src/features/image-import/shared/user-dataset';
import type { ImageShape } from '../../src/shared/config';
import { cachedFetchBytes } from '../helpers/trainer-channel';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** `count` random images of `shape` in two sub-folders, as the import worker would build them. */
function randomSet(count: number, shape: ImageShape, seed: number, name = 'mine'): Dataset {
  const random = mulberry32(seed);
  const size = shape.width * shape.height * shape.channels;
  const images = Array.from({ length: count }, (_, i) => ({
    path: `${name}/${i % 2 ? 'b' : 'a'}/${String(i).padStart(3, '0')}.png`,
    pixels: Uint8Array.from({ length: size }, () => Math.floor(random() * 256)),
  }));
  return assembleDataset(images, shape, name);
}

const settings: RunSettings = {
  dataset: 'user',
  architecture: 'mlp',
  variant: 'shared',
  latentDim: 4,
  hiddenUnits: 24,
  hiddenLayers: 1,
  batchSize: 64,
  seed: 5,
};

/**
 * Runs `body` with a trainer of its own on the CPU backend (the images are set by the test),
 * and disposes of it afterwards.
 */
async function withTrainer(body: (trainer: Trainer, events: TrainerEvent[]) => Promise<void>) {
  const events: TrainerEvent[] = [];
  const trainer = new Trainer({ fetchBytes: cachedFetchBytes });
  try {
    await trainer.init({ backend: 'cpu', datasetsBaseUrl: '/datasets/' }, (e) => events.push(e));
    await body(trainer, events);
  } finally {
    await trainer.dispose();
  }
}

/** The colour set the tests train on: 70 images, so a batch of 64 is larger than its split. */
const colourSet = () => randomSet(70, USER_COLOUR, 1);

describe('training on the user\u2019s own images', () => {
  beforeAll(async () => {
    await prepareDatasets({ root });
  });

  it('refuses dataset "user" before any images are loaded', () =>
    withTrainer(async (trainer) => {
      await expect(trainer.configure(settings)).rejects.toThrow(NO_USER_DATASET);
    }));

  it('trains a colour set with a batch larger than its training split', () =>
    withTrainer(async (trainer, events) => {
      const set = colourSet();
      expect(set.train.count).toBeLessThan(settings.batchSize);
      trainer.setUserDataset(set);
      await trainer.configure(settings);
      const model = trainer['run'].model!;
      expect(model.encoder.inputs[0]!.shape).toEqual([null, 32 * 32 * 3]);
      expect(model.decoder.outputs[0]!.shape).toEqual([null, 32 * 32 * 3]);
      expect(await trainer.stepOnce()).toBe(1);
      expect(await trainer.stepOnce()).toBe(2);
      const metrics = events.filter((e) => e.type === 'metrics');
      expect(metrics.length).toBeGreaterThan(0);
      for (const e of metrics) {
        if (e.type === 'metrics') expect(Number.isFinite(e.point.values.reconstruction)).toBe(true);
      }
      const last = events.filter((e) => e.type === 'images').at(-1);
      if (last?.type !== 'images') throw new Error('no pictures');
      // 16 test images (70 -> 16 test): 32 cells in pairs, 8 columns of 32-pixel cells.
      const recon = last.images.reconstructions;
      expect(recon.width).toBe(8 * 32 + 7 + 3 * 3);
      expect(recon.rows).toBe(4);
      // The first cell is a test input in colour: its red and green differ somewhere.
      let differ = 0;
      for (let y = 0; y < 32; y++) {
        for (let x = 0; x < 32; x++) {
          const p = (y * recon.width + x) * 4;
          if (recon.pixels[p] !== recon.pixels[p + 1]) differ += 1;
        }
      }
      expect(differ).toBeGreaterThan(0);
    }));

  it('exports which set it was, and restores only onto the same images', () =>
    withTrainer(async (trainer) => {
      const set = colourSet();
      trainer.setUserDataset(set);
      await trainer.configure(settings);
      await trainer.stepOnce();
      expect(await trainer.stepOnce()).toBe(2);
      const { bytes, manifest } = await trainer.exportRun();
      expect(manifest.dataset).toBe('user');
      expect(manifest.imageShape).toEqual([32, 32, 3]);
      expect(manifest.userDataset).toEqual({
        name: 'mine',
        fingerprint: set.info.fingerprint,
        classes: ['a', 'b'],
        trainCount: set.train.count,
        testCount: set.test.count,
      });
      expect(manifest.networks.find((n) => n.name === 'decoder')?.output).toContain('[n, 3072]');

      await withTrainer(async (fresh) => {
        await fresh.configure({ ...settings, dataset: 'mnist', batchSize: 16 });
        await expect(fresh.importRun(bytes.slice())).rejects.toThrow(
          /trained on your images "mine" \(70 images, 2 classes\), which are not stored with it/,
        );
        fresh.setUserDataset(randomSet(70, USER_COLOUR, 2, 'other'));
        await expect(fresh.importRun(bytes.slice())).rejects.toThrow(
          /the images loaded now are another set \("other"\)/,
        );
        // Nothing changed: MNIST still runs.
        expect(fresh.getStatus().settings?.dataset).toBe('mnist');
        fresh.setUserDataset(randomSet(70, USER_COLOUR, 1));
        const restored = await fresh.importRun(bytes.slice());
        expect(restored.step).toBe(2);
        expect(restored.settings.dataset).toBe('user');
        expect(await fresh.stepOnce()).toBe(3);
      });
    }));

  it('builds 784-input networks on a grey set', () =>
    withTrainer(async (trainer) => {
      trainer.setUserDataset(randomSet(64, USER_GREY, 3));
      await trainer.configure({ ...settings, batchSize: 8 });
      expect(trainer['run'].model!.encoder.inputs[0]!.shape).toEqual([null, 784]);
      expect(await trainer.stepOnce()).toBe(1);
    }));
});

describe('pictures in colour', () => {
  it('paints RGB cells channel by channel and grey cells into all three', () => {
    const shape: ImageShape = { width: 2, height: 1, channels: 3 };
    const grid = composeGrid(
      Float32Array.from([1, 0, 0, 0, 0.5, 1]),
      1,
      { cols: 1, gap: 0 },
      shape,
    );
    expect(Array.from(grid.pixels)).toEqual([255, 0, 0, 255, 0, 128, 255, 255]);
    const grey = composeGrid(
      Float32Array.from([0.2, 1]),
      1,
      { cols: 1, gap: 0 },
      {
        width: 2,
        height: 1,
        channels: 1,
      },
    );
    expect(Array.from(grey.pixels)).toEqual([51, 51, 51, 255, 255, 255, 255, 255]);
  });
});
