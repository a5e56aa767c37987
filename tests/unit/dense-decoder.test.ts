import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_HYPERPARAMS, DEFAULT_MODEL_CONFIG } from '../../src/shared/config';
import {
  denseDecode,
  parseDenseDecoder,
  toRgba,
} from '../../src/features/explorer/shared/dense-decoder';
import { saveNetwork } from '../../src/model/serialize';
import { VaeGan } from '../../src/model/vaegan';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('dense decoder on the page (no tfjs)', () => {
  it('decodes what the tfjs decoder decodes, from its Layers artifacts', async () => {
    const model = new VaeGan(
      { ...DEFAULT_MODEL_CONFIG, latentDim: 6, hiddenUnits: 48, seed: 9 },
      DEFAULT_HYPERPARAMS,
    );
    const x = tf.randomUniform([16, 784], 0, 1, 'float32', 2) as tf.Tensor2D;
    for (let i = 0; i < 3; i++) tf.dispose(model.trainStep(x, DEFAULT_HYPERPARAMS));
    const parsed = parseDenseDecoder(await saveNetwork(model.decoder));
    if (!('decoder' in parsed)) throw new Error(parsed.reason);
    expect(parsed.decoder.latentDim).toBe(6);
    expect(parsed.decoder.outputs).toBe(784);
    expect(parsed.decoder.layers.map((l) => l.activation)).toEqual(['relu', 'linear']);
    const codes = [
      [0, 0, 0, 0, 0, 0],
      [1.5, -2, 0.3, 0, 4, -0.7],
    ];
    for (const code of codes) {
      const z = new Float32Array(code);
      const want = await model.decode(tf.tensor2d(z, [1, 6])).data();
      const got = denseDecode(parsed.decoder, z);
      let worst = 0;
      for (let i = 0; i < 784; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
      expect(worst).toBeLessThan(1e-5);
    }
    expect(() => denseDecode(parsed.decoder, new Float32Array(5))).toThrow(/6 numbers/);
    tf.dispose(x);
    model.dispose();
  });

  it('reads the weights in place when asked, and decodes the same as from a copy', async () => {
    const model = new VaeGan(
      { ...DEFAULT_MODEL_CONFIG, latentDim: 4, hiddenUnits: 32, seed: 3 },
      DEFAULT_HYPERPARAMS,
    );
    const artifacts = await saveNetwork(model.decoder);
    const data = artifacts.weightData as ArrayBuffer;
    const copied = parseDenseDecoder(artifacts);
    const inPlace = parseDenseDecoder(artifacts, true);
    if (!('decoder' in copied) || !('decoder' in inPlace)) throw new Error('not a dense stack');
    const kernels = inPlace.decoder.layers.map((l) => l.kernel);
    expect(kernels.every((k) => k.buffer === data)).toBe(true);
    expect(copied.decoder.layers.every((l) => l.kernel.buffer !== data)).toBe(true);
    const z = new Float32Array([0.4, -1.2, 2, 0.1]);
    expect(Array.from(denseDecode(inPlace.decoder, z))).toEqual(
      Array.from(denseDecode(copied.decoder, z)),
    );
    // In place means shared: a change to the bytes shows in the decoder.
    new Float32Array(data)[0] = 123;
    expect(kernels[0]![0]).toBe(123);
    model.dispose();
  });

  it('refuses a topology that is not a stack of Dense layers, with the reason', async () => {
    const model = new VaeGan({ ...DEFAULT_MODEL_CONFIG, hiddenUnits: 16 }, DEFAULT_HYPERPARAMS);
    const parsed = parseDenseDecoder(await saveNetwork(model.discriminator));
    expect('reason' in parsed && parsed.reason).toMatch(/Model|Functional|InputLayer/);
    const conv = tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [4], units: 49 }),
        tf.layers.reshape({ targetShape: [7, 7, 1] }),
        tf.layers.conv2dTranspose({ filters: 1, kernelSize: 3, strides: 4, padding: 'same' }),
      ],
    });
    const refused = parseDenseDecoder(await saveNetwork(conv));
    expect('reason' in refused && refused.reason).toMatch(/Reshape/);
    conv.dispose();
    model.dispose();
  });

  it('paints grey levels as RGBA bytes', () => {
    const rgba = toRgba(new Float32Array([0, 0.5, 1, Number.NaN, 2]));
    expect(Array.from(rgba)).toEqual([
      0, 0, 0, 255, 128, 128, 128, 255, 255, 255, 255, 255, 128, 128, 128, 255, 255, 255, 255, 255,
    ]);
  });
});
