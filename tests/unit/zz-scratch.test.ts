import * as tf from '@tensorflow/tfjs';
import { it, expect } from 'vitest';
import { VaeGan } from '../../src/model/vaegan';
import { DEFAULT_HYPERPARAMS, DEFAULT_MODEL_CONFIG } from '../../src/model/config';
import { loadDataset } from '../../src/workers/dataset';
import { nodeFetchBytes } from '../helpers/node-fetch-bytes';
it('timing', async () => {
  await tf.setBackend('cpu');
  const ds = await loadDataset('mnist', '/datasets/', nodeFetchBytes);
  for (const [hidden, batch, steps] of [[64, 32, 150], [128, 32, 100]] as const) {
    const m = new VaeGan({ ...DEFAULT_MODEL_CONFIG, hiddenUnits: hidden }, DEFAULT_HYPERPARAMS);
    const t0 = performance.now();
    const rec: number[] = [];
    for (let s = 0; s < steps; s++) {
      const px = ds.train.images.subarray(s * batch * 784, (s + 1) * batch * 784);
      const f = new Float32Array(px.length); for (let i = 0; i < px.length; i++) f[i] = px[i]! / 255;
      const x = tf.tensor2d(f, [batch, 784]);
      const met = m.trainStep(x, DEFAULT_HYPERPARAMS);
      const a = met.dataSync(); rec.push(a[0]!);
      if (s % 25 === 0 || s === steps - 1) console.log(hidden, s, Array.from(a).map(v => v.toFixed(3)).join(' '));
      tf.dispose([x, met]);
    }
    console.log('hidden', hidden, 'ms/step', (performance.now() - t0) / steps);
    m.dispose();
  }
  expect(1).toBe(1);
});
