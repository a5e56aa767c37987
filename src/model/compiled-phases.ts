/**
 * The phases of VaeGan's step through the compiled kernels (compiled-step.ts): the same inputs
 * as the autograd phases of vaegan.ts (the same noise, drawn from the same seeds in the same
 * order), the same metrics out, and the optimisers' state advanced as theirs is. vaegan.ts calls
 * these when compiledSupport says the phase is covered, and its own autograd otherwise.
 */
import * as tf from './tf';
import type { Hyperparams, ModelConfig } from '../shared/config';
import {
  adamInputs,
  COMPILED_KERNELS,
  type CompiledUpdate,
  finishAdam,
  layerInputs,
  runCompiled,
  weightVersion,
} from './compiled-step';

/** What the compiled phases need of a VaeGan. */
export interface CompiledModel {
  config: ModelConfig;
  vars: {
    encoder: tf.Variable[];
    decoder: tf.Variable[];
    generator: tf.Variable[];
    discriminator: tf.Variable[];
  };
}

/** What the compiled fakes add to the step's Fakes for the compiled phases 2 and 3. */
export type CompiledFakes = {
  /** [x_tilde; x_prior; x], [3 batch, pixels]. */
  stack: tf.Tensor2D;
  /** The decoder's (and generator's) hidden layer for [z_tilde; z_prior], [2 batch, hidden]. */
  hidden: tf.Tensor2D;
  /** [z_tilde; z_prior], [2 batch, latentDim]. */
  latents: tf.Tensor2D;
};

/**
 * What compiled fakes were made from, by their stack: the batch's data and the decoder's and
 * generator's weights (their dataIds and compiled updates; kept apart from the tensors, so
 * disposing the fakes, a tensor container, frees only what is theirs).
 */
const origins = new WeakMap<tf.Tensor, { xId: object; weights: string }>();

/** The decoder's and generator's weights as they are now: their data and compiled updates. */
function weightsNow(model: CompiledModel, ids: WeakMap<object, number>): string {
  return [...model.vars.decoder, ...model.vars.generator]
    .map((w) => `${dataIdNumber(ids, w.dataId)}.${weightVersion(w)}`)
    .join(',');
}

const dataIds = new WeakMap<object, number>();
let nextDataId = 0;
/** A number for each dataId object, so a list of them compares as a string. */
function dataIdNumber(ids: WeakMap<object, number>, id: object): number {
  let n = ids.get(id);
  if (n === undefined) ids.set(id, (n = nextDataId++));
  return n;
}

/** A batch drawn a step early, and the token that names it (StepOptions). */
export interface NextBatch {
  x: tf.Tensor2D;
  token: number;
}

/** Squared gradient norms of the networks a phase moved. */
export type GradSqTensors = Partial<
  Record<'encoder' | 'decoder' | 'generator' | 'discriminator', tf.Scalar>
>;

/** Finishes a trained phase's Adam step from the kernel's outputs; returns its scalars. */
function afterAdam(update: CompiledUpdate | undefined, outs: tf.Tensor[]): tf.Scalar[] {
  // [which parts got new buffers, the new buffers, the scalars]
  const changed = outs[0]!.dataSync();
  let made = 0;
  for (const c of changed) made += c;
  if (update) finishAdam(update, changed, outs.slice(1, 1 + made));
  return outs.slice(1 + made) as tf.Scalar[];
}

/** Phase 1 compiled: pixel loss only. `eps` ~ N(0, I) [batch, latentDim], the sampleZ draw. */
export function compiledVaePhase(
  model: CompiledModel,
  x: tf.Tensor2D,
  eps: tf.Tensor2D,
  hp: Hyperparams,
  update: CompiledUpdate | undefined,
  gradNorms: boolean,
  token = 0,
): { reconstruction: tf.Scalar; kl: tf.Scalar; gradSq: GradSqTensors } {
  const { m, v, attrs } = adamInputs(update, gradNorms);
  const outs = runCompiled(
    COMPILED_KERNELS.vae,
    {
      x,
      eps,
      ...layerInputs('e', model.vars.encoder, m, v, 0),
      ...layerInputs('d', model.vars.decoder, m, v, 4),
    },
    { ...attrs, beta: hp.beta, freeBits: 0, token },
  );
  const [reconstruction, kl, encoder, decoder] = afterAdam(update, outs);
  return {
    reconstruction: reconstruction!,
    kl: kl!,
    gradSq: attrs.gradNorms ? { encoder: encoder!, decoder: decoder! } : {},
  };
}

/**
 * The fakes compiled: z_tilde = mu + sigma eps from the encoder as phase 1 left it, the prior
 * draw, and their images, with the stacked tensors phases 2 and 3 take.
 */
export function compiledFakes(
  model: CompiledModel,
  x: tf.Tensor2D,
  eps: tf.Tensor2D,
  zPrior: tf.Tensor2D,
): {
  zTilde: tf.Tensor2D;
  xTilde: tf.Tensor2D;
  xPrior: tf.Tensor2D;
  compiled: CompiledFakes;
} {
  const { vars } = model;
  const separate = model.config.variant === 'separate';
  const [zTilde, xTilde, xPrior, stack, hidden, latents] = runCompiled(
    COMPILED_KERNELS.fakes,
    {
      x,
      eps,
      zPrior,
      ...layerInputs('e', vars.encoder),
      ...layerInputs('d', vars.decoder),
      ...(separate ? layerInputs('g', vars.generator) : {}),
      // D as phase 2 takes it: the kernel starts phase 2's first product before it returns.
      ...layerInputs('D', vars.discriminator),
    },
    {},
  ) as tf.Tensor2D[];
  const fakes = {
    zTilde: zTilde!,
    xTilde: xTilde!,
    xPrior: xPrior!,
    compiled: { stack: stack!, hidden: hidden!, latents: latents! },
  };
  origins.set(stack!, { xId: x.dataId, weights: weightsNow(model, dataIds) });
  return fakes;
}

/** Whether compiled fakes still describe this step: the same batch, the same decoder weights. */
export function fakesCurrent(model: CompiledModel, c: CompiledFakes, x?: tf.Tensor): boolean {
  const origin = origins.get(c.stack);
  if (!origin || (x && x.dataId !== origin.xId)) return false;
  return weightsNow(model, dataIds) === origin.weights;
}

/** Phase 2 compiled: D on [x_tilde; x_prior; x] from the compiled fakes. */
export function compiledDPhase(
  model: CompiledModel,
  fakes: CompiledFakes,
  threeBatches: boolean,
  update: CompiledUpdate | undefined,
  gradNorms: boolean,
): {
  discriminator: tf.Scalar;
  dReal: tf.Scalar;
  dRecon: tf.Scalar;
  dPrior: tf.Scalar;
  gradSq: GradSqTensors;
} {
  const { m, v, attrs } = adamInputs(update, gradNorms);
  const outs = runCompiled(
    COMPILED_KERNELS.discriminator,
    { stack: fakes.stack, ...layerInputs('D', model.vars.discriminator, m, v) },
    { ...attrs, threeBatches, latent: model.config.latentDim },
  );
  const [discriminator, dReal, dRecon, dPrior, norm] = afterAdam(update, outs);
  return {
    discriminator: discriminator!,
    dReal: dReal!,
    dRecon: dRecon!,
    dPrior: dPrior!,
    gradSq: attrs.gradNorms ? { discriminator: norm! } : {},
  };
}

/**
 * Phase 3 compiled: G through the current D, from the fakes' decoder pass. With `next` (the
 * next step's batch, drawn early), the kernel also starts the next phase 1's first product.
 */
export function compiledGPhase(
  model: CompiledModel,
  fakes: CompiledFakes,
  hp: Hyperparams,
  threeBatches: boolean,
  update: CompiledUpdate | undefined,
  gradNorms: boolean,
  next?: NextBatch,
): { generator: tf.Scalar; gradSq: GradSqTensors } {
  const { vars } = model;
  const { m, v, attrs } = adamInputs(update, gradNorms);
  const outs = runCompiled(
    COMPILED_KERNELS.generator,
    {
      stack: fakes.stack,
      hidden: fakes.hidden,
      latents: fakes.latents,
      ...layerInputs('D', vars.discriminator),
      ...layerInputs('g', vars.generator, m, v),
      ...(next ? { xNext: next.x, ...layerInputs('e', vars.encoder) } : {}),
    },
    {
      ...attrs,
      threeBatches,
      form: hp.adversarialForm,
      separate: model.config.variant === 'separate',
      nextToken: next?.token ?? 0,
    },
  );
  const [generator, norm] = afterAdam(update, outs);
  return { generator: generator!, gradSq: attrs.gradNorms ? { generator: norm! } : {} };
}
