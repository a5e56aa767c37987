/**
 * The divergence guard: a last-good copy of the model kept in memory, the cheap checks that
 * decide when a step went bad, and the exact restore.
 *
 * The rule (why it is cheap and still catches a weight that went NaN before any loss shows it):
 * - every step's metrics stay on the device until the next report (about 10 a second), which
 *   reads them back in one go together with a probe of the weights: for each network the sum
 *   of all its weights times 0, 0 when every weight is finite and NaN otherwise (one sum per
 *   weight tensor, no copy of it, fused into the same readback);
 * - a snapshot is only adopted after the same probe, over the weights *and* Adam's moments of
 *   the copy itself, came back finite. So the copy that is restored can never hold NaN or Inf.
 *
 * Copies are `tf.clone`s: on every backend they share the data of the variables, which the
 * optimiser replaces rather than overwrites, so a snapshot costs no copy on the device, only
 * the memory of one older set of weights and moments.
 */
import * as tf from '../../../model/tf';
import { sumAll } from '../../../model/data-ops';
import type { Hyperparams } from '../../../shared/config';
import { restoreAdam } from '../../../model/optimizer-state';
import { METRIC_NAMES, type MetricName, type VaeGan } from '../../../model/vaegan';
import {
  networkNames,
  type NetworkName,
  type OptimizerName,
} from '../../run-archive/shared/format';
import { disposeSnapshot, type RunSnapshot, snapshotRun } from '../../run-archive/worker/encode';

/** Networks in probe order (the generator is the decoder in `shared`, probed once). */
export const PROBED_NETWORKS: readonly NetworkName[] = [
  'encoder',
  'decoder',
  'generator',
  'discriminator',
];

type Lr = 'lrVae' | 'lrD' | 'lrG';

/**
 * Which learning rate to blame, from the metrics of the first bad step and the weights that
 * went bad. Metrics are computed before each phase's update, so a wild update shows first in a
 * later phase's numbers: an encoder moved too far gives codes whose decodings D scores as NaN
 * while D still scores real images fine. Hence, in order:
 * - L_rec or KL bad: the encoder/decoder phase;
 * - D(x) bad: the discriminator itself;
 * - D(x̃) bad while D(x) is fine: the reconstructions, i.e. the encoder/decoder;
 * - D(x_p) bad while the others are fine: the generator's images;
 * - only L_D bad: the discriminator (over-confident, log 0);
 * - only L_G bad: the discriminator if its weights went bad in its update, else the generator;
 * - no metric bad, only weights: the phase that moves those weights.
 */
function blame(metrics: MetricName[], networks: NetworkName[]): Lr {
  const bad = (name: MetricName) => metrics.includes(name);
  if (bad('reconstruction') || bad('kl')) return 'lrVae';
  if (bad('dReal')) return 'lrD';
  if (bad('dRecon')) return 'lrVae';
  if (bad('dPrior')) return 'lrG';
  if (bad('discriminator')) return 'lrD';
  if (bad('generator')) return networks.includes('discriminator') ? 'lrD' : 'lrG';
  if (networks.includes('encoder') || networks.includes('decoder')) return 'lrVae';
  if (networks.includes('discriminator')) return 'lrD';
  return 'lrG';
}

/**
 * The sum of a list of tensors times 0: a scalar that is 0 when all are finite, else NaN (a NaN
 * or an infinity anywhere makes the sum NaN or infinite). Each tensor is summed where it lies,
 * without the copy that w * 0 would make first. A sum can only overflow when weights are near
 * float32's limit (10^38), which counts as diverged too.
 */
function finiteProbe(tensors: tf.Tensor[]): tf.Scalar {
  return tf.tidy(() =>
    tensors.length === 0 ? tf.scalar(0) : tf.mul(tf.addN(tensors.map((t) => sumAll(t))), 0),
  );
}

/**
 * One number per PROBED_NETWORKS entry (0 finite, NaN not), [4]. A network that is another's
 * (the generator is the decoder in `shared`) gets that one's number without a second probe.
 */
export function weightProbe(model: VaeGan): tf.Tensor1D {
  return tf.tidy(() => {
    const probes = new Map<unknown, tf.Scalar>();
    const probe = (name: NetworkName) => {
      const network = model[name];
      let p = probes.get(network);
      if (!p) {
        p = finiteProbe(network.weights.map((w) => w.read()));
        probes.set(network, p);
      }
      return p;
    };
    return tf.stack(PROBED_NETWORKS.map(probe)) as tf.Tensor1D;
  });
}

/** What the report's readback says went wrong, if anything. */
export interface Divergence {
  /** The first step (1-based, as shown to the user) whose metrics were not finite. */
  step: number;
  metrics: MetricName[];
  networks: NetworkName[];
  /** The learning rate blamed for it (see blame). */
  lr: Lr;
}

/**
 * Reads `raw` = [k steps x METRIC_NAMES, then PROBED_NETWORKS probes] as laid out by the
 * trainer's report. `lastStep` is the step count after the k steps.
 */
const FEATURE_REC = METRIC_NAMES.indexOf('featureRec');
const SKIPS = [METRIC_NAMES.indexOf('skipD'), METRIC_NAMES.indexOf('skipG')];
const NOT_IN_PHASE_ONE = (
  ['discriminator', 'generator', 'dReal', 'dRecon', 'dPrior', 'skipD', 'skipG'] as const
).map((name) => METRIC_NAMES.indexOf(name));

export function findDivergence(raw: ArrayLike<number>, k: number, lastStep: number) {
  const m = METRIC_NAMES.length;
  // featureRec is NaN by design in steps that train the pixel loss (it is not computed there);
  // a NaN in a step that did compute it shows in the other losses or the weight probe too.
  // A step that ran phase 1 alone (phaseOneOnly) marks its gate skips NaN, and D's and the
  // generator side's figures are NaN with them: not computed. A step that ran them has skips of
  // 0 or 1, so a D that went NaN there is caught.
  const phaseOne = (i: number) => SKIPS.every((j) => Number.isNaN(raw[i * m + j]!));
  const bad = (i: number, j: number) => {
    const v = raw[i * m + j]!;
    if (Number.isFinite(v)) return false;
    if (Number.isNaN(v) && j === FEATURE_REC) return false;
    return !(Number.isNaN(v) && NOT_IN_PHASE_ONE.includes(j) && phaseOne(i));
  };
  let firstBad = -1;
  for (let i = 0; i < k && firstBad < 0; i++) {
    for (let j = 0; j < m; j++) if (bad(i, j)) firstBad = i;
  }
  const networks = PROBED_NETWORKS.filter((_, n) => !Number.isFinite(raw[k * m + n]!));
  if (firstBad < 0 && networks.length === 0) return null;
  const row = firstBad >= 0 ? firstBad : k - 1;
  const metrics = METRIC_NAMES.filter((_, j) => bad(row, j));
  const divergence: Divergence = {
    step: lastStep - k + 1 + row,
    metrics,
    networks,
    lr: blame(metrics, networks),
  };
  return divergence;
}

/** Weight names of each optimiser's variable list, as restoreAdam wants them. */
function optimizerNames(model: VaeGan, name: OptimizerName): string[] {
  const nets =
    name === 'vae'
      ? [model.encoder, model.decoder]
      : [name === 'discriminator' ? model.discriminator : model.generator];
  return nets.flatMap((n) => n.trainableWeights.map((w) => w.originalName));
}

/** A last-good copy: weights and the three Adam states, as clones on the device. */
export interface GoodSnapshot {
  step: number;
  run: RunSnapshot;
}

/** Takes a candidate snapshot; it becomes the last good one only after `adopt` checks it. */
export function takeSnapshot(
  model: VaeGan,
  meta: Omit<RunSnapshot, 'networks' | 'optimizers' | 'noiseDraws'>,
): GoodSnapshot {
  return { step: meta.step, run: snapshotRun(model, meta) };
}

/** The tensors of a snapshot, for its finiteness probe. */
function snapshotTensors(s: GoodSnapshot): tf.Tensor[] {
  const opt = Object.values(s.run.optimizers).flatMap((o) => [...o.m, ...o.v]);
  return [...s.run.networks.flatMap((n) => n.weights.map((w) => w.tensor)), ...opt];
}

/** True when every weight and moment of the snapshot is finite (one readback). */
export async function isFiniteSnapshot(s: GoodSnapshot): Promise<boolean> {
  const probe = finiteProbe(snapshotTensors(s));
  try {
    return Number.isFinite((await probe.data())[0]!);
  } finally {
    probe.dispose();
  }
}

/**
 * Puts the snapshot's weights and optimiser state back into `model`, bit for bit. The model's
 * variables then share the snapshot's data (nothing is copied); the snapshot stays usable for
 * another restore.
 */
export function restoreSnapshot(model: VaeGan, s: GoodSnapshot) {
  for (const name of networkNames(model.config.variant)) {
    const saved = s.run.networks.find((n) => n.name === name);
    if (!saved) throw new Error(`the snapshot has no ${name}`);
    const net = model[name];
    const byName = new Map(saved.weights.map((w) => [w.name, w.tensor]));
    net.setWeights(net.weights.map((w) => byName.get(w.originalName)!));
  }
  for (const name of ['vae', 'discriminator', 'generator'] as const) {
    const state = s.run.optimizers[name];
    // restoreAdam wraps the moments in new variables that share their data; clones keep the
    // snapshot's own handles alive for a later restore.
    const copy = {
      iterations: state.iterations,
      accBeta1: tf.clone(state.accBeta1),
      accBeta2: tf.clone(state.accBeta2),
      m: state.m.map((t) => tf.clone(t)),
      v: state.v.map((t) => tf.clone(t)),
    };
    restoreAdam(model.optimizers[name], copy, optimizerNames(model, name));
    tf.dispose([copy.accBeta1, copy.accBeta2, ...copy.m, ...copy.v]);
  }
  // The counters go back with the weights; the noise stream goes on (fresh noise for the retry).
  model.resumeAt(s.step);
}

export function disposeGoodSnapshot(s: GoodSnapshot | undefined) {
  if (s) disposeSnapshot(s.run);
}

/** Smallest learning rate the guard halves to; below it the guard pauses instead. */
export const MIN_GUARD_LR = 1e-6;

/** The learning rates after halving `lr`, or null when it cannot go lower. */
export function halved(hp: Hyperparams, lr: Divergence['lr']): Hyperparams | null {
  const next = hp[lr] / 2;
  if (next < MIN_GUARD_LR) return null;
  return { ...hp, [lr]: next };
}

/** Names for people: "lrVae" is the encoder + decoder learning rate, and so on. */
export const LR_LABELS: Record<Divergence['lr'], string> = {
  lrVae: 'the encoder/decoder learning rate lrVae',
  lrD: 'the discriminator learning rate lrD',
  lrG: 'the generator learning rate lrG',
};

/**
 * Writes NaN into the first weight of `network`, as a diverging step would, so the guard has
 * something to catch (the trainer's test hook).
 */
export function poisonWeight(model: VaeGan, network: 'encoder' | 'decoder' | 'discriminator') {
  const variable = model[network].trainableWeights[0]!.read() as tf.Variable;
  const poisoned = tf.tidy(() => {
    const mask = tf.oneHot(0, variable.size).reshape(variable.shape).cast('bool');
    return tf.where(mask, tf.fill(variable.shape, Number.NaN), variable);
  });
  variable.assign(poisoned);
  poisoned.dispose();
}
