import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_HYPERPARAMS, DEFAULT_MODEL_CONFIG } from '../../src/shared/config';
import { loadNetwork, saveNetwork } from '../../src/model/serialize';
import { VaeGan } from '../../src/model/vaegan';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('saveNetwork / loadNetwork', () => {
  it('round-trips the decoder: identical images for fixed z, no tensors left behind', async () => {
    const model = new VaeGan(
      { ...DEFAULT_MODEL_CONFIG, hiddenUnits: 32, latentDim: 3 },
      DEFAULT_HYPERPARAMS,
    );
    const x = tf.randomUniform([8, 784], 0, 1, 'float32', 5) as tf.Tensor2D;
    tf.dispose(model.trainStep(x, DEFAULT_HYPERPARAMS)); // not the initial weights
    const z = tf.randomNormal([4, 3], 0, 1, 'float32', 9) as tf.Tensor2D;

    const before = tf.memory().numTensors;
    const artifacts = await saveNetwork(model.decoder);
    expect(tf.memory().numTensors).toBe(before);
    // 784-wide output layer and a hidden layer of 32: 4 weight tensors, float32.
    expect(artifacts.weightSpecs.map((s) => s.shape)).toEqual([[3, 32], [32], [32, 784], [784]]);
    expect(artifacts.weightData.byteLength).toBe(4 * (3 * 32 + 32 + 32 * 784 + 784));

    const copy = await loadNetwork(artifacts);
    const want = await tf.sigmoid(model.decoder.predict(z) as tf.Tensor).data();
    const got = await tf.sigmoid(copy.predict(z) as tf.Tensor).data();
    expect(Array.from(got)).toEqual(Array.from(want));
    copy.dispose();
    tf.dispose([x, z]);
    model.dispose();
  });
});
