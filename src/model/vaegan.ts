/**
 * The VAEGAN of docs/model.md: encoder, decoder, (generator), discriminator, three Adam
 * optimisers with explicit variable lists, and the seed's three-phase training step, which
 * reads top to bottom in `step`. Each phase is also a method of its own, so the tests can run
 * and check one at a time. One class over 400 lines: the model and its step belong together.
 * No DOM: runs in a Web Worker and under Node for the tests.
 */
import * as tf from './tf';
import {
  GAN_ADAM_BETA1,
  GATE_EQUILIBRIUM,
  GATE_MARGIN,
  type Hyperparams,
  type ModelConfig,
  phaseOneOnly,
  validateModelConfig,
} from '../shared/config';
import {
  bernoulliNll,
  discriminatorCosts,
  discriminatorLoss,
  equilibriumGate,
  featureDistance,
  freeBitsKl,
  type GateDecision,
  generatorLoss,
  klDivergence,
} from './losses';
import { buildDecoder, buildDiscriminator, buildEncoder, trainableVariables } from './networks';
import { METRIC_NAMES, type MetricName, NORM_NETWORKS } from '../shared/metrics';
import { TunableAdam } from './adam';
import {
  type CompiledFakes,
  compiledDPhase,
  compiledFakes,
  compiledGPhase,
  compiledVaePhase,
  fakesCurrent,
  type GradSqTensors,
  type NextBatch,
} from './compiled-phases';
import { compiledAvailable, compiledSupport } from './compiled-step';
import { type NormRequest, type PhaseLoss, type PhaseUpdate, runPhase } from './phase';
import { seedStream } from '../shared/random';
import { klWeightAt } from '../shared/kl-schedule';

export { METRIC_NAMES, type MetricName } from '../shared/metrics';
export type { GateDecision } from './losses';

/** Layers' call flag: batch statistics (and moving-average updates) in the conv decoder's BN. */
const TRAINING = { training: true };
const TRAIN_BOTH: GateDecision = { trainD: true, trainG: true };

/** The gate's inputs and verdict at the last gated step. */
export interface GateReading extends GateDecision {
  realBce: number;
  fakeBce: number;
}

/** Latent codes and images shared by phases 2 and 3 of a step. */
export type Fakes = {
  zTilde: tf.Tensor2D; // [batch, latentDim], from q(z|x)
  zPrior: tf.Tensor2D; // [batch, latentDim], from N(0, I)
  xTilde: tf.Tensor2D; // [batch, pixels], Dec(zTilde)
  xPrior: tf.Tensor2D; // [batch, pixels], G(zPrior)
  /** From the compiled step (compiled-phases.ts): what its phases 2 and 3 take. */
  compiled?: CompiledFakes;
};

/** What a training step is asked for besides its metrics. */
export interface StepOptions {
  /**
   * Also measure the squared gradient norm of each network's update in this step, for
   * takeGradientNorms(): [encoder, decoder, generator, discriminator], NaN for a network not
   * moved. In `shared` the decoder's is its phase-1 update, the generator's its phase-3 one.
   */
  gradientNorms?: boolean;
  /** The token the batch was drawn with, when it was drawn a step early (NextBatch). */
  batchToken?: number;
  /**
   * The next step's batch, drawn early: the compiled step's phase 3 starts the next phase 1's
   * first product with it before it returns, so the helper thread works while the training
   * thread runs the JavaScript between two steps. That step must come with its token.
   */
  next?: NextBatch;
}

/** The networks in the order of takeGradientNorms(). */
export const GRADIENT_NORM_NETWORKS = NORM_NETWORKS;

/** What the step asks the equilibrium gate, and the results of phase 1 kept over the readback. */
type GateQuestion = {
  /** D's cross-entropy on real and on fake images, [2]. */
  costs: tf.Tensor1D;
  held: { vae: Record<VaeMetric, tf.Scalar>; fakes: Fakes };
};

/** The step asks the gate (trainStepAsync) instead of being told which phases train. */
const ASK_GATE = 'ask';

type VaeMetric = 'reconstruction' | 'kl' | 'featureRec';
type DMetric = 'discriminator' | 'dReal' | 'dRecon' | 'dPrior';

/** Variables each optimiser may move; `generator` is the decoder's own list in `shared`. */
export interface VariableGroups {
  encoder: tf.Variable[];
  decoder: tf.Variable[];
  generator: tf.Variable[];
  discriminator: tf.Variable[];
}

export class VaeGan {
  readonly config: ModelConfig;
  readonly encoder: tf.LayersModel;
  readonly decoder: tf.LayersModel;
  /** The decoder itself in `shared`; its own network in `separate`. */
  readonly generator: tf.LayersModel;
  readonly discriminator: tf.LayersModel;
  readonly vars: VariableGroups;
  private readonly optVae: TunableAdam;
  private readonly optD: TunableAdam;
  private readonly optG: TunableAdam;
  private nextSeed: () => number = () => 0;
  private stepCount = 0;
  private seedsDrawn = 0;
  /** What the equilibrium gate read and decided at the last step it was on. */
  lastGate: GateReading | undefined;
  /** Squared gradient norms being gathered for the step in progress, when asked for. */
  private norms: GradSqTensors | undefined;
  /** The last step's squared gradient norms, until taken. */
  private lastNorms: tf.Tensor1D | undefined;
  /** The batches of the step under way (its token, and the next one drawn early). */
  private batches: Pick<StepOptions, 'batchToken' | 'next'> = {};
  /** Set by gradients.measureNextStep(): the next step measures its norms. */
  private normsAsked = false;
  /**
   * The norms chart's hook (training/worker/run.ts): ask the next step to measure its squared
   * gradient norms, then take them with the report, [4] in NORM_NETWORKS order, or null.
   */
  readonly gradients = {
    measureNextStep: () => {
      this.normsAsked = true;
    },
    take: (): tf.Tensor1D | null => this.takeGradientNorms() ?? null,
  };

  constructor(config: ModelConfig, hp: Hyperparams) {
    const problems = validateModelConfig(config);
    if (problems.length > 0) throw new Error(`Invalid model settings: ${problems.join('; ')}`);
    this.config = { ...config };
    this.encoder = buildEncoder(config);
    this.decoder = buildDecoder(config, 'decoder');
    this.generator = config.variant === 'shared' ? this.decoder : buildDecoder(config, 'generator');
    this.discriminator = buildDiscriminator(config);
    this.vars = {
      encoder: trainableVariables(this.encoder),
      decoder: trainableVariables(this.decoder),
      generator: trainableVariables(this.generator),
      discriminator: trainableVariables(this.discriminator),
    };
    this.optVae = new TunableAdam(hp.lrVae, 0.9, 0.999);
    this.optD = new TunableAdam(hp.lrD, GAN_ADAM_BETA1, 0.999);
    this.optG = new TunableAdam(hp.lrG, GAN_ADAM_BETA1, 0.999);
    this.resumeAt(0, 0);
  }

  /** Training steps taken by this model. */
  get steps(): number {
    return this.stepCount;
  }

  /** Noise seeds drawn so far; a restored run skips as many to continue the same stream. */
  get noiseDraws(): number {
    return this.seedsDrawn;
  }

  /**
   * Sets the step count and moves the noise stream to just after `noiseDraws` seeds, as a
   * restored run must to continue the same stream. Costs the same for any count. Without
   * `noiseDraws` the stream goes on where it is: the divergence guard rewinds the weights and
   * the step count, and the steps it retries draw fresh noise.
   */
  resumeAt(steps: number, noiseDraws = this.seedsDrawn) {
    for (const [name, n] of [
      ['step', steps],
      ['noise draw', noiseDraws],
    ] as const) {
      if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`bad ${name} count ${n}`);
    }
    this.stepCount = steps;
    this.seedsDrawn = noiseDraws;
    // Offset from the weight seeds so noise and initial weights are not correlated draws.
    const seeds = seedStream(this.config.seed ^ 0x5eed, noiseDraws);
    this.nextSeed = () => {
      this.seedsDrawn += 1;
      return seeds();
    };
  }

  /** The three Adam optimisers by phase, for saving and restoring their moments. */
  get optimizers(): {
    vae: tf.AdamOptimizer;
    discriminator: tf.AdamOptimizer;
    generator: tf.AdamOptimizer;
  } {
    return { vae: this.optVae, discriminator: this.optD, generator: this.optG };
  }

  /** q(z|x): mu and logvar, each [batch, latentDim]. */
  encode(x: tf.Tensor2D): { mu: tf.Tensor2D; logvar: tf.Tensor2D } {
    return tf.tidy(() => {
      const out = this.encoder.apply(x) as tf.Tensor2D; // [batch, 2 * latentDim]
      const [mu, logvar] = tf.split(out, 2, 1) as [tf.Tensor2D, tf.Tensor2D];
      return { mu, logvar };
    });
  }

  /** z = mu + sigma * eps with eps ~ N(0, I): the reparameterisation trick. */
  private sampleZ(mu: tf.Tensor2D, logvar: tf.Tensor2D): tf.Tensor2D {
    const eps = tf.randomNormal(mu.shape, 0, 1, 'float32', this.nextSeed());
    return tf.add(mu, tf.mul(tf.exp(tf.mul(0.5, logvar)), eps));
  }

  private priorZ(batch: number): tf.Tensor2D {
    return tf.randomNormal([batch, this.config.latentDim], 0, 1, 'float32', this.nextSeed());
  }

  /** D's logit on images, [batch, 1]. */
  private dLogit(images: tf.Tensor2D): tf.Tensor2D {
    return this.dApply(images).logit;
  }

  /** D's hidden features Dis_l [batch, features] and logit [batch, 1]. */
  private dApply(images: tf.Tensor2D): { features: tf.Tensor2D; logit: tf.Tensor2D } {
    const [features, logit] = this.discriminator.apply(images) as tf.Tensor2D[];
    return { features: features!, logit: logit! };
  }

  /** Images in [0, 1] from a network in training mode (batch statistics in BN), [batch, pixels]. */
  private trainingImages(net: tf.LayersModel, z: tf.Tensor2D): tf.Tensor2D {
    return tf.sigmoid(net.apply(z, TRAINING) as tf.Tensor2D);
  }

  /** Mean decoded image p(x|z) in [0, 1], [batch, pixels]. */
  decode(z: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => tf.sigmoid(this.decoder.apply(z) as tf.Tensor2D));
  }

  /** Generated image G(z) in [0, 1], [batch, pixels] (the decoder in `shared`). */
  generate(z: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => tf.sigmoid(this.generator.apply(z) as tf.Tensor2D));
  }

  /** D's probability that each image is real, sigmoid(D(x)), [batch]; images in [0, 1]. */
  score(images: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => tf.sigmoid(this.dLogit(images)).reshape([-1]) as tf.Tensor1D);
  }

  /** Deterministic reconstruction Dec(mu(x)), [batch, pixels]. */
  reconstruct(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => this.decode(this.encode(x).mu));
  }

  /**
   * One training step, top to bottom, in the seed's order (docs/model.md, "One training step").
   * Hyperparameters are read afresh, so a change acts on this step. Both drivers run this one
   * body: trainStep straight through, with `gate` saying which of phases 2 and 3 train;
   * trainStepAsync with `gate` = ASK_GATE, when the step pauses once after phase 1, yields D's
   * two cross-entropies for the equilibrium gate to read back, and goes on with its verdict.
   * @param x a batch of images in [0, 1], [batch, pixels]
   * @returns the metrics in METRIC_NAMES order, [METRIC_NAMES.length]
   */
  private *step(
    x: tf.Tensor2D,
    hp: Hyperparams,
    gate: GateDecision | typeof ASK_GATE,
  ): Generator<GateQuestion, tf.Tensor1D, GateDecision> {
    // Phase 1: encoder + decoder minimise L_rec + beta * KL (only measured in GAN-only mode).
    const vae = this.vaePhase(x, hp); // reconstruction, kl, featureRec: scalars
    if (phaseOneOnly(hp)) {
      // A plain VAE whose D does not watch: no fakes, no D, no generator pass; D's and the
      // generator side's metrics are NaN ("not computed"), and so are the gate's skips, which
      // marks the step as phase 1 alone for the divergence guard.
      const none = tf.scalar(Number.NaN);
      const all: Record<MetricName, tf.Scalar> = {
        ...vae,
        discriminator: none,
        generator: none,
        dReal: none,
        dRecon: none,
        dPrior: none,
        skipD: none,
        skipG: none,
      };
      return tf.stack(METRIC_NAMES.map((name) => all[name])) as tf.Tensor1D;
    }
    // The fakes phases 2 and 3 share, drawn after phase 1 so D sees the updated decoder:
    // zTilde ~ q(z|x) and zPrior ~ N(0, I) [batch, latentDim], xTilde, xPrior [batch, pixels].
    const fakes = this.drawFakes(x);
    const decision =
      gate === ASK_GATE
        ? yield { costs: this.discriminatorCosts(x, fakes, hp), held: { vae, fakes } }
        : gate;
    // Phase 2: D minimises L_D (only measured while the gate holds it).
    const d = this.discriminatorPhase(x, fakes, hp, decision.trainD); // L_D, mean D(.): scalars
    // Phase 3: G minimises gamma * L_G against the D just updated (measured while held).
    const g = this.generatorPhase(fakes, hp, decision.trainG); // L_G: scalar
    const all: Record<MetricName, tf.Scalar> = {
      ...vae,
      ...d,
      ...g,
      skipD: tf.scalar(decision.trainD ? 0 : 1),
      skipG: tf.scalar(decision.trainG ? 0 : 1),
    };
    return tf.stack(METRIC_NAMES.map((name) => all[name])) as tf.Tensor1D; // [metrics]
  }

  /**
   * One training step (see `step`). The equilibrium gate needs D's costs on the CPU, so it is
   * applied by trainStepAsync; here `gate` says which of phases 2 and 3 train (both by default).
   * @param x a batch of images in [0, 1], [batch, pixels]
   * @returns metrics in METRIC_NAMES order; the caller disposes it. Nothing else is left.
   */
  trainStep(
    x: tf.Tensor2D,
    hp: Hyperparams,
    gate: GateDecision = TRAIN_BOTH,
    options: StepOptions = {},
  ): tf.Tensor1D {
    this.beginNorms(options);
    this.batches = options;
    try {
      const metrics = tf.tidy(() => finished(this.step(x, hp, gate).next()));
      this.stepCount += 1;
      return metrics;
    } finally {
      this.batches = {};
      this.endNorms();
    }
  }

  /**
   * The squared gradient norms of the last step that asked for them (StepOptions), [4] in
   * GRADIENT_NORM_NETWORKS order; the caller disposes them. Undefined when none are waiting.
   */
  takeGradientNorms(): tf.Tensor1D | undefined {
    const norms = this.lastNorms;
    this.lastNorms = undefined;
    return norms;
  }

  private beginNorms(options: StepOptions) {
    tf.dispose(this.lastNorms);
    this.lastNorms = undefined;
    this.norms = options.gradientNorms || this.normsAsked ? {} : undefined;
    this.normsAsked = false;
  }

  private endNorms() {
    const norms = this.norms;
    if (!norms) return;
    this.norms = undefined;
    this.lastNorms = tf.tidy(
      () =>
        tf.stack(
          GRADIENT_NORM_NETWORKS.map((name) => norms[name] ?? tf.scalar(Number.NaN)),
        ) as tf.Tensor1D,
    );
    tf.dispose(Object.values(norms));
  }

  /** Keeps a phase's squared norms (they outlive the step's tidy until endNorms). */
  private keepNorms(gradSq: GradSqTensors) {
    if (!this.norms) return;
    for (const [name, value] of Object.entries(gradSq)) {
      this.norms[name as keyof GradSqTensors] = tf.keep(value);
    }
  }

  /** The autograd phase's request for the networks `groups` moves, when norms are wanted. */
  private normRequest(groups: NormRequest['groups']): NormRequest | undefined {
    return this.norms ? { groups, into: this.norms as Record<string, tf.Scalar> } : undefined;
  }

  /**
   * trainStep with Larsen's equilibrium gate when hp.equilibriumGate is on: after phase 1 and the
   * fakes, D's cross-entropies on real and fake images are read back (one small readback per
   * step, only while the gate is on) and decide whether phases 2 and 3 train.
   */
  async trainStepAsync(
    x: tf.Tensor2D,
    hp: Hyperparams,
    options: StepOptions = {},
  ): Promise<tf.Tensor1D> {
    if (!hp.equilibriumGate || phaseOneOnly(hp)) return this.trainStep(x, hp, TRAIN_BOTH, options);
    this.beginNorms(options);
    this.batches = options;
    const step = this.step(x, hp, ASK_GATE);
    // A tidy cannot span the readback: phase 1's results leave the first one with the question
    // and are freed once the step is done.
    const question = tf.tidy(() => asked(step.next()));
    try {
      const [realBce, fakeBce] = await question.costs.data();
      const verdict = equilibriumGate(realBce!, fakeBce!, GATE_EQUILIBRIUM, GATE_MARGIN);
      this.lastGate = { realBce: realBce!, fakeBce: fakeBce!, ...verdict };
      const metrics = tf.tidy(() => finished(step.next(verdict)));
      this.stepCount += 1;
      return metrics;
    } finally {
      this.batches = {};
      this.endNorms();
      tf.dispose([question.costs, question.held.fakes, question.held.vae]);
    }
  }

  /**
   * Phase 1: encoder + decoder minimise L_rec + beta * L_reg. Only their variables move: the
   * feature loss runs x and x_tilde through D, but D is not in this optimiser's list.
   * With a KL warm-up beta ramps up over its steps (klWeightAt); with free bits L_reg is
   * sum_j max(lambda, KL_j) (freeBitsKl). The KL reported is always the true KL.
   * In GAN-only mode nothing trains here; the losses are only measured.
   * @param x images in [0, 1], [batch, pixels]
   */
  vaePhase(x: tf.Tensor2D, hp: Hyperparams): Record<VaeMetric, tf.Scalar> {
    const update: PhaseUpdate | undefined = hp.ganOnly
      ? undefined
      : {
          optimizer: this.optVae,
          learningRate: hp.lrVae,
          varList: [...this.vars.encoder, ...this.vars.decoder],
        };
    if (compiledSupport(this.config, hp).vae) {
      return tf.tidy(() => {
        // The same draw as sampleZ's below.
        const eps = tf.randomNormal(
          [x.shape[0], this.config.latentDim],
          0,
          1,
          'float32',
          this.nextSeed(),
        ) as tf.Tensor2D;
        const atStep = { ...hp, beta: klWeightAt(hp.beta, hp.klWarmup, this.stepCount + 1) };
        const r = compiledVaePhase(
          this,
          x,
          eps,
          atStep,
          update,
          this.norms !== undefined,
          this.batches.batchToken,
        );
        this.keepNorms(r.gradSq);
        return { reconstruction: r.reconstruction, kl: r.kl, featureRec: tf.scalar(Number.NaN) };
      });
    }
    const loss = (): PhaseLoss<VaeMetric> => {
      const { mu, logvar } = this.encode(x); // [batch, latentDim] each
      const z = this.sampleZ(mu, logvar); // [batch, latentDim]
      const logits = this.decoder.apply(z, TRAINING) as tf.Tensor2D; // [batch, pixels]
      const reconstruction = bernoulliNll(logits, x);
      const kl = klDivergence(mu, logvar);
      let featureRec: tf.Scalar;
      let rec = reconstruction;
      if (hp.reconstructionLoss === 'pixel') {
        featureRec = tf.scalar(Number.NaN); // not computed: it would cost two D passes
      } else {
        const real = this.dApply(x).features; // [batch, features]
        const recon = this.dApply(tf.sigmoid(logits)).features; // [batch, features]
        featureRec = featureDistance(real, recon);
        rec = hp.reconstructionLoss === 'feature' ? featureRec : tf.add(reconstruction, featureRec);
      }
      // Both options off: exactly beta * KL, the step of before they existed.
      const klTerm = hp.freeBits > 0 ? freeBitsKl(mu, logvar, hp.freeBits) : kl;
      const beta = klWeightAt(hp.beta, hp.klWarmup, this.stepCount + 1);
      return {
        cost: tf.add(rec, tf.mul(beta, klTerm)),
        parts: { reconstruction, kl, featureRec },
      };
    };
    return runPhase(
      loss,
      update,
      this.normRequest({ encoder: this.vars.encoder, decoder: this.vars.decoder }),
    );
  }

  /**
   * Draws the fakes that phases 2 and 3 share: z ~ q(z|x) and z ~ N(0, I), and their images.
   * Drawn after phase 1, so D sees the updated decoder, as in the seed.
   */
  drawFakes(x: tf.Tensor2D): Fakes {
    if (compiledAvailable(this.config)) {
      return tf.tidy(() => {
        const shape: [number, number] = [x.shape[0], this.config.latentDim];
        // The draws of sampleZ and priorZ below, in their order.
        const eps = tf.randomNormal(shape, 0, 1, 'float32', this.nextSeed()) as tf.Tensor2D;
        const zPrior = tf.randomNormal(shape, 0, 1, 'float32', this.nextSeed()) as tf.Tensor2D;
        return { zPrior, ...compiledFakes(this, x, eps, zPrior) };
      });
    }
    return tf.tidy(() => {
      const { mu, logvar } = this.encode(x);
      const zTilde = this.sampleZ(mu, logvar); // [batch, latentDim]
      const zPrior = this.priorZ(x.shape[0]); // [batch, latentDim]
      return {
        zTilde,
        zPrior,
        xTilde: this.trainingImages(this.decoder, zTilde),
        xPrior: this.trainingImages(this.generator, zPrior),
      };
    });
  }

  /** D sees reconstructions only with the three-batch switch on, and never in GAN-only mode. */
  private static usesReconstructions(hp: Hyperparams): boolean {
    return hp.reconstructionsInD && !hp.ganOnly;
  }

  /** D's cross-entropy on real and on fake images, [2], as the equilibrium gate reads them. */
  discriminatorCosts(x: tf.Tensor2D, fakes: Fakes, hp: Hyperparams): tf.Tensor1D {
    return tf.tidy(() =>
      discriminatorCosts(
        this.dLogit(x),
        VaeGan.usesReconstructions(hp) ? this.dLogit(fakes.xTilde) : null,
        this.dLogit(fakes.xPrior),
      ),
    );
  }

  /**
   * Phase 2: the discriminator minimises L_D on real and prior images, and on reconstructions
   * when it sees three batches. With `train` false (the gate held it) L_D is only measured.
   */
  discriminatorPhase(
    x: tf.Tensor2D,
    fakes: Fakes,
    hp: Hyperparams,
    train = true,
  ): Record<DMetric, tf.Scalar> {
    const update: PhaseUpdate | undefined = train
      ? { optimizer: this.optD, learningRate: hp.lrD, varList: this.vars.discriminator }
      : undefined;
    const compiled = fakes.compiled;
    if (compiled && compiledSupport(this.config, hp).gan && fakesCurrent(this, compiled, x)) {
      return tf.tidy(() => {
        const three = VaeGan.usesReconstructions(hp);
        const { gradSq, ...metrics } = compiledDPhase(this, compiled, three, update, !!this.norms);
        this.keepNorms(gradSq);
        return metrics;
      });
    }
    const loss = (): PhaseLoss<DMetric> => {
      const realLogit = this.dLogit(x); // [batch, 1]
      const reconLogit = this.dLogit(fakes.xTilde); // [batch, 1]
      const priorLogit = this.dLogit(fakes.xPrior); // [batch, 1]
      const dReal = tf.mean(tf.sigmoid(realLogit)) as tf.Scalar;
      const dRecon = tf.mean(tf.sigmoid(reconLogit)) as tf.Scalar;
      const dPrior = tf.mean(tf.sigmoid(priorLogit)) as tf.Scalar;
      const discriminator = discriminatorLoss(
        realLogit,
        VaeGan.usesReconstructions(hp) ? reconLogit : null,
        priorLogit,
      );
      return { cost: discriminator, parts: { discriminator, dReal, dRecon, dPrior } };
    };
    return runPhase(loss, update, this.normRequest({ discriminator: this.vars.discriminator }));
  }

  /**
   * Phase 3: the generator (the decoder in `shared`) minimises L_G against a fixed D, with a step
   * of gamma * lrG. Adam cancels any constant factor on its loss, so gamma * L_G would move the
   * weights exactly as L_G does for every gamma > 0; gamma therefore scales the step, which is
   * what makes the adversarial weight trade off against reconstruction. With gamma = 0 nothing
   * moves: L_G is only measured, so Adam's momentum cannot drift the decoder of a plain VAE.
   * In GAN-only mode there is no reconstruction to trade off against: the step is lrG.
   * With `train` false (the gate held the generator) L_G is only measured.
   */
  generatorPhase(fakes: Fakes, hp: Hyperparams, train = true): { generator: tf.Scalar } {
    const step = hp.ganOnly ? hp.lrG : hp.gamma * hp.lrG;
    const update: PhaseUpdate | undefined =
      train && step > 0
        ? { optimizer: this.optG, learningRate: step, varList: this.vars.generator }
        : undefined;
    const compiled = fakes.compiled;
    // The compiled phase reuses the fakes' decoder pass: only while the decoder is unchanged.
    if (compiled && compiledSupport(this.config, hp).gan && fakesCurrent(this, compiled)) {
      return tf.tidy(() => {
        const three = VaeGan.usesReconstructions(hp);
        const r = compiledGPhase(
          this,
          compiled,
          hp,
          three,
          update,
          !!this.norms,
          this.batches.next,
        );
        this.keepNorms(r.gradSq);
        return { generator: r.generator };
      });
    }
    const loss = (): PhaseLoss<'generator'> => {
      const generator = generatorLoss(
        VaeGan.usesReconstructions(hp)
          ? this.dLogit(this.trainingImages(this.decoder, fakes.zTilde)) // [batch, 1]
          : null,
        this.dLogit(this.trainingImages(this.generator, fakes.zPrior)), // [batch, 1]
        hp.adversarialForm,
      );
      return { cost: generator, parts: { generator } };
    };
    return runPhase(loss, update, this.normRequest({ generator: this.vars.generator }));
  }

  /** Frees every tensor of the networks and optimisers. */
  dispose() {
    tf.dispose(this.lastNorms);
    this.lastNorms = undefined;
    this.optVae.dispose();
    this.optD.dispose();
    this.optG.dispose();
    this.encoder.dispose();
    this.decoder.dispose();
    if (this.generator !== this.decoder) this.generator.dispose();
    this.discriminator.dispose();
  }
}

/** The metrics a step ran through to, [METRIC_NAMES.length]. */
function finished(result: IteratorResult<GateQuestion, tf.Tensor1D>): tf.Tensor1D {
  if (!result.done) throw new Error('the training step stopped for a gate it was not to ask');
  return result.value;
}

/** The question a step paused on for the equilibrium gate. */
function asked(result: IteratorResult<GateQuestion, tf.Tensor1D>): GateQuestion {
  if (result.done) throw new Error('the training step did not ask the gate');
  return result.value;
}
