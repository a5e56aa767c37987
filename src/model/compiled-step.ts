/**
 * The compiled training step, as the model sees it: for the MLP networks a backend may register
 * one kernel per phase (src/runtime/wasm/tfjs/dense-step.ts does for wasm) that runs the phase's
 * forward pass, losses, backward pass and Adam in one go, on the variables and Adam moments tfjs
 * holds. This file names those kernels and their inputs, says which settings they support, and
 * runs a phase through one: the new weights and moments are assigned to the same variables, and
 * Adam's beta powers and iteration count advance as tfjs's optimiser would, so export, import,
 * the divergence guard's copies and the explorer's weight copies see nothing different.
 *
 * tfjs's autograd (vaegan.ts) stays the reference: a phase the kernels do not cover falls back
 * to it by itself (compiledSupport), and tests/unit/compiled-step.test.ts holds the two to the
 * same losses, gradients, weights and moments.
 */
import * as tf from './tf';
import { hiddenLayersOf, type Hyperparams, type ModelConfig } from '../shared/config';
import type { TunableAdam } from './adam';

export const COMPILED_KERNELS = {
  vae: 'VaeganDenseVaePhase',
  fakes: 'VaeganDenseFakes',
  discriminator: 'VaeganDenseDPhase',
  generator: 'VaeganDenseGPhase',
} as const;

/** The tensors of one dense layer a kernel takes: kernel, bias, and their Adam moments. */
export const LAYER_PARTS = ['w', 'b', 'wm', 'wv', 'bm', 'bv'] as const;
export type LayerPart = (typeof LAYER_PARTS)[number];

/** Input name of part `part` of layer `layer` (1: hidden, 2: output) of network `net`. */
export function inputName(net: NetKey, layer: 1 | 2, part: LayerPart): string {
  return `${net}${layer}${part}`;
}
/** e: encoder, d: decoder, g: generator (the decoder in `shared`), D: discriminator. */
export type NetKey = 'e' | 'd' | 'g' | 'D';

/** Adam's settings for one phase's kernel (absent: the phase only measures). */
export interface CompiledAdamAttrs {
  train: boolean;
  beta1: number;
  beta2: number;
  /** 1 - beta1^t and 1 - beta2^t, as tfjs's optimiser computes them in float32. */
  c1: number;
  c2: number;
  learningRate: number;
  epsilon: number;
  /** Also output the squared gradient norm of each network trained. */
  gradNorms: boolean;
}

export interface VaeKernelAttrs extends CompiledAdamAttrs {
  beta: number;
  freeBits: number;
  /** The batch's token (StepOptions.batchToken), 0 for none. */
  token: number;
}
export interface DKernelAttrs extends CompiledAdamAttrs {
  threeBatches: boolean;
  /** The model's latent size (the kernel's workspace is made for the whole model). */
  latent: number;
}
export interface GKernelAttrs extends CompiledAdamAttrs {
  threeBatches: boolean;
  form: Hyperparams['adversarialForm'];
  separate: boolean;
  /** The token of the next step's batch, given as input `xNext` with the encoder; 0: none. */
  nextToken: number;
}

const ALL = { vae: true, gan: true };

/**
 * Every setting of the step and whether the compiled phases can follow it: phase 1 ('vae') and
 * phases 2 and 3 with the fakes ('gan'). A setting added to Hyperparams must be added here
 * (the type requires it), so no new option is silently ignored by the kernels; until the
 * kernels learn it, answer false and the phase falls back to autograd.
 */
const SUPPORT: {
  [K in keyof Hyperparams]-?: (value: Hyperparams[K]) => { vae: boolean; gan: boolean };
} = {
  beta: () => ALL,
  gamma: () => ALL,
  lrVae: () => ALL,
  lrD: () => ALL,
  lrG: () => ALL,
  adversarialForm: () => ALL,
  // The feature loss runs D inside phase 1: that phase goes to autograd, the others stay.
  reconstructionLoss: (v) => ({ vae: v === 'pixel', gan: true }),
  reconstructionsInD: () => ALL,
  // The gate reads D's costs between the fakes and phase 2 with tfjs ops; the phases are the same.
  equilibriumGate: () => ALL,
  ganOnly: () => ALL,
  // Only says whether phases 2 and 3 run at all (phaseOneOnly); the phases are the same.
  dWatches: () => ALL,
  // Binarisation happens to the batch before the step (BatchSampler): the step is the same.
  binarize: () => ALL,
  // The warm-up only scales beta, which the VAE phase passes the kernels as it stands at the step.
  klWarmup: () => ALL,
  // Free bits change the KL term's gradient (a floor per dimension): autograd for phase 1.
  freeBits: (v) => ({ vae: v === 0, gan: true }),
};
/** Whether the current backend has the compiled kernels for this model's networks. */
export function compiledAvailable(config: ModelConfig): boolean {
  return (
    config.architecture === 'mlp' &&
    // The kernels are written for one hidden layer per network (the default); deeper MLPs train
    // with tfjs's autograd.
    hiddenLayersOf(config) === 1 &&
    tf.getKernel(COMPILED_KERNELS.vae, tf.getBackend()) !== undefined
  );
}

/** Whether the compiled phases can run this model with these settings on the current backend. */
export function compiledSupport(
  config: ModelConfig,
  hp: Hyperparams,
): { vae: boolean; gan: boolean } {
  const none = { vae: false, gan: false };
  if (!compiledAvailable(config)) return none;
  const support = { ...ALL };
  for (const key of Object.keys(hp)) {
    const check = SUPPORT[key as keyof Hyperparams] as ((v: unknown) => typeof ALL) | undefined;
    const s = check ? check(hp[key as keyof Hyperparams]) : none;
    support.vae &&= s.vae;
    support.gan &&= s.gan;
  }
  return support;
}

/** Adam's internals the compiled phases read and advance (as adam.ts's fused update does). */
interface AdamInternals {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: { originalName: string; variable: tf.Variable }[];
  accumulatedSecondMoment: { originalName: string; variable: tf.Variable }[];
  incrementIterations(): void;
}

/** An optimiser step a kernel computes: the optimiser, its rate and the variables it moves. */
export interface CompiledUpdate {
  optimizer: TunableAdam;
  learningRate: number;
  varList: tf.Variable[];
}

/**
 * The moments of `u.varList` (zeros at a variable's first update, as tfjs makes them) and the
 * attributes of its kernel. The moments are indexed by position in the var list, as tfjs's
 * optimiser indexes them, so the compiled and autograd steps share one optimiser state.
 */
export function adamInputs(
  u: CompiledUpdate | undefined,
  gradNorms: boolean,
): { m: tf.Variable[]; v: tf.Variable[]; attrs: CompiledAdamAttrs } {
  if (!u) {
    const attrs = { train: false, beta1: 0, beta2: 0, c1: 1, c2: 1, learningRate: 0, epsilon: 0 };
    return { m: [], v: [], attrs: { ...attrs, gradNorms: false } };
  }
  const opt = u.optimizer;
  const state = opt as unknown as AdamInternals;
  u.varList.forEach((value, i) => {
    state.accumulatedFirstMoment[i] ??= {
      originalName: `${value.name}/m`,
      variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
    };
    state.accumulatedSecondMoment[i] ??= {
      originalName: `${value.name}/v`,
      variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
    };
  });
  // 1 - beta^t in float32, as tf.sub(1, accBeta) computes it.
  const c1 = Math.fround(1 - state.accBeta1.dataSync()[0]!);
  const c2 = Math.fround(1 - state.accBeta2.dataSync()[0]!);
  return {
    m: u.varList.map((_, i) => state.accumulatedFirstMoment[i]!.variable),
    v: u.varList.map((_, i) => state.accumulatedSecondMoment[i]!.variable),
    attrs: {
      train: true,
      beta1: opt.beta1Value,
      beta2: opt.beta2Value,
      c1,
      c2,
      learningRate: u.learningRate,
      epsilon: opt.epsilonValue,
      gradNorms,
    },
  };
}

const versions = new WeakMap<tf.Variable, number>();

/**
 * How many times the compiled kernels have moved `v`: with Adam in place a variable's data can
 * change under the same dataId, so "has it changed" needs this beside the dataId.
 */
export function weightVersion(v: tf.Variable): number {
  return versions.get(v) ?? 0;
}

/**
 * After a kernel moved the variables: those it gave new buffers take them (`changed` says which,
 * per dense layer of the var list in compiled-step's LAYER_PARTS order: w, b, wm, wv, bm, bv;
 * `made` holds the new ones in that order), the others were updated in place; then the beta
 * powers and the iteration count advance, exactly as adam.ts's fused update leaves them.
 */
export function finishAdam(u: CompiledUpdate, changed: ArrayLike<number>, made: tf.Tensor[]): void {
  const opt = u.optimizer;
  const state = opt as unknown as AdamInternals;
  u.optimizer.setLearningRate(u.learningRate);
  let next = 0;
  for (let layer = 0; layer < u.varList.length / 2; layer++) {
    const targets = [
      u.varList[2 * layer]!,
      u.varList[2 * layer + 1]!,
      state.accumulatedFirstMoment[2 * layer]!.variable,
      state.accumulatedSecondMoment[2 * layer]!.variable,
      state.accumulatedFirstMoment[2 * layer + 1]!.variable,
      state.accumulatedSecondMoment[2 * layer + 1]!.variable,
    ];
    targets.forEach((target, part) => {
      if (changed[6 * layer + part]) target.assign(made[next++]!);
    });
    for (const w of targets.slice(0, 2)) versions.set(w, weightVersion(w) + 1);
  }
  tf.tidy(() => {
    state.accBeta1.assign(tf.mul(state.accBeta1, opt.beta1Value));
    state.accBeta2.assign(tf.mul(state.accBeta2, opt.beta2Value));
  });
  state.incrementIterations();
}

/** The inputs of a network's two dense layers (and their moments when it trains). */
export function layerInputs(
  net: NetKey,
  vars: tf.Variable[],
  m: tf.Variable[] = [],
  v: tf.Variable[] = [],
  offset = 0,
): Record<string, tf.Tensor> {
  const inputs: Record<string, tf.Tensor> = {};
  for (const layer of [1, 2] as const) {
    const w = 2 * (layer - 1);
    inputs[inputName(net, layer, 'w')] = vars[w]!;
    inputs[inputName(net, layer, 'b')] = vars[w + 1]!;
    if (m.length > 0) {
      inputs[inputName(net, layer, 'wm')] = m[offset + w]!;
      inputs[inputName(net, layer, 'wv')] = v[offset + w]!;
      inputs[inputName(net, layer, 'bm')] = m[offset + w + 1]!;
      inputs[inputName(net, layer, 'bv')] = v[offset + w + 1]!;
    }
  }
  return inputs;
}

/** Runs one of the compiled kernels; its outputs in order. */
export function runCompiled(
  kernel: (typeof COMPILED_KERNELS)[keyof typeof COMPILED_KERNELS],
  inputs: Record<string, tf.Tensor>,
  attrs: object,
): tf.Tensor[] {
  return tf
    .engine()
    .runKernel(kernel, inputs, attrs as unknown as tf.NamedAttrMap) as unknown as tf.Tensor[];
}
