/**
 * The VAEGAN of ../shared/MODEL.md: encoder, decoder, (generator), discriminator, three Adam
 * optimisers with explicit variable lists, and the seed's three-phase training step.
 * No DOM: runs in a Web Worker and under Node for the tests.
 */
import * as tf from '@tensorflow/tfjs';
import { GAN_ADAM_BETA1, type Hyperparams, type ModelConfig, validateModelConfig } from './config';
import { bernoulliNll, discriminatorLoss, generatorLoss, klDivergence } from './losses';
import { buildDecoder, buildDiscriminator, buildEncoder, trainableVariables } from './networks';
import { METRIC_NAMES, type MetricName } from './metrics';
import { seedStream } from './random';

export { METRIC_NAMES, type MetricName } from './metrics';

/** Adam whose learning rate can change between steps without losing its moment estimates. */
class TunableAdam extends tf.AdamOptimizer {
  setLearningRate(lr: number) {
    this.learningRate = lr;
  }
}

/** Latent codes and images shared by phases 2 and 3 of a step. */
export interface Fakes {
  zTilde: tf.Tensor2D; // [batch, latentDim], from q(z|x)
  zPrior: tf.Tensor2D; // [batch, latentDim], from N(0, I)
  xTilde: tf.Tensor2D; // [batch, pixels], Dec(zTilde)
  xPrior: tf.Tensor2D; // [batch, pixels], G(zPrior)
}

/**
 * One optimiser step on `cost`, which may also report named parts of itself. The parts come
 * back as ordinary tensors owned by the caller's scope (the optimiser's own tidy would
 * otherwise dispose them).
 */
function minimizeWithParts<K extends string>(
  optimizer: tf.Optimizer,
  varList: tf.Variable[],
  cost: (parts: Partial<Record<K, tf.Scalar>>) => tf.Tensor,
): Record<K, tf.Scalar> {
  const kept: Partial<Record<K, tf.Scalar>> = {};
  optimizer.minimize(
    () => {
      const parts: Partial<Record<K, tf.Scalar>> = {};
      const total = cost(parts) as tf.Scalar;
      // Keep clones: a part may be `total` itself, which minimize() disposes after the step.
      for (const key of Object.keys(parts) as K[]) kept[key] = tf.keep(tf.clone(parts[key]!));
      return total;
    },
    false,
    varList,
  );
  const out = {} as Record<K, tf.Scalar>;
  for (const key of Object.keys(kept) as K[]) {
    out[key] = tf.clone(kept[key]!);
    kept[key]!.dispose();
  }
  return out;
}

/** Variables each optimiser may move; `generator` is the decoder's own list in `shared`. */
export interface VariableGroups {
  encoder: tf.Variable[];
  decoder: tf.Variable[];
  generator: tf.Variable[];
  discriminator: tf.Variable[];
}

export class VaeGan {
  readonly config: ModelConfig;
  readonly encoder: tf.Sequential;
  readonly decoder: tf.Sequential;
  /** The decoder itself in `shared`; its own network in `separate`. */
  readonly generator: tf.Sequential;
  readonly discriminator: tf.LayersModel;
  readonly vars: VariableGroups;
  private readonly optVae: TunableAdam;
  private readonly optD: TunableAdam;
  private readonly optG: TunableAdam;
  private readonly nextSeed: () => number;
  /** Training steps taken by this model. */
  steps = 0;
  /** Noise seeds drawn so far; a restored run skips as many to continue the same stream. */
  noiseDraws = 0;

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
    // Offset from the weight seeds so noise and initial weights are not correlated draws.
    const seeds = seedStream(config.seed ^ 0x5eed);
    this.nextSeed = () => {
      this.noiseDraws += 1;
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

  /** Advances the noise stream by `draws` seeds, as if that many had been used (run restore). */
  skipNoise(draws: number) {
    for (let i = 0; i < draws; i++) this.nextSeed();
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
    const [, logit] = this.discriminator.apply(images) as tf.Tensor2D[];
    return logit as tf.Tensor2D;
  }

  /** Mean decoded image p(x|z) in [0, 1], [batch, pixels]. */
  decode(z: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => tf.sigmoid(this.decoder.apply(z) as tf.Tensor2D));
  }

  /** Generated image G(z) in [0, 1], [batch, pixels] (the decoder in `shared`). */
  generate(z: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => tf.sigmoid(this.generator.apply(z) as tf.Tensor2D));
  }

  /** Deterministic reconstruction Dec(mu(x)), [batch, pixels]. */
  reconstruct(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => this.decode(this.encode(x).mu));
  }

  /**
   * Phase 1: encoder + decoder minimise L_rec + beta * L_reg. Only their variables move.
   * @param x images in [0, 1], [batch, pixels]
   */
  vaePhase(x: tf.Tensor2D, hp: Hyperparams): { reconstruction: tf.Scalar; kl: tf.Scalar } {
    this.optVae.setLearningRate(hp.lrVae);
    return minimizeWithParts(this.optVae, [...this.vars.encoder, ...this.vars.decoder], (parts) => {
      const { mu, logvar } = this.encode(x); // [batch, latentDim] each
      const logits = this.decoder.apply(this.sampleZ(mu, logvar)) as tf.Tensor2D; // [batch, pixels]
      parts.reconstruction = bernoulliNll(logits, x);
      parts.kl = klDivergence(mu, logvar);
      return tf.add(parts.reconstruction, tf.mul(hp.beta, parts.kl));
    });
  }

  /**
   * Draws the fakes that phases 2 and 3 share: z ~ q(z|x) and z ~ N(0, I), and their images.
   * Drawn after phase 1, so D sees the updated decoder, as in the seed.
   */
  drawFakes(x: tf.Tensor2D): Fakes {
    return tf.tidy(() => {
      const { mu, logvar } = this.encode(x);
      const zTilde = this.sampleZ(mu, logvar); // [batch, latentDim]
      const zPrior = this.priorZ(x.shape[0]); // [batch, latentDim]
      return { zTilde, zPrior, xTilde: this.decode(zTilde), xPrior: this.generate(zPrior) };
    });
  }

  /** Phase 2: the discriminator minimises L_D on real, reconstructed and prior images. */
  discriminatorPhase(
    x: tf.Tensor2D,
    fakes: Fakes,
    hp: Hyperparams,
  ): { discriminator: tf.Scalar; dReal: tf.Scalar; dRecon: tf.Scalar; dPrior: tf.Scalar } {
    this.optD.setLearningRate(hp.lrD);
    return minimizeWithParts(this.optD, this.vars.discriminator, (parts) => {
      const realLogit = this.dLogit(x); // [batch, 1]
      const reconLogit = this.dLogit(fakes.xTilde);
      const priorLogit = this.dLogit(fakes.xPrior);
      parts.dReal = tf.mean(tf.sigmoid(realLogit)) as tf.Scalar;
      parts.dRecon = tf.mean(tf.sigmoid(reconLogit)) as tf.Scalar;
      parts.dPrior = tf.mean(tf.sigmoid(priorLogit)) as tf.Scalar;
      parts.discriminator = discriminatorLoss(realLogit, reconLogit, priorLogit);
      return parts.discriminator;
    });
  }

  /**
   * Phase 3: the generator (the decoder in `shared`) minimises L_G against a fixed D, with a step
   * of gamma * lrG. Adam cancels any constant factor on its loss, so gamma * L_G would move the
   * weights exactly as L_G does for every gamma > 0; gamma therefore scales the step, which is
   * what makes the adversarial weight trade off against reconstruction. With gamma = 0 nothing
   * moves: L_G is only measured, so Adam's momentum cannot drift the decoder of a plain VAE.
   */
  generatorPhase(fakes: Fakes, hp: Hyperparams): { generator: tf.Scalar } {
    this.optG.setLearningRate(hp.gamma * hp.lrG);
    const adversarial = () =>
      generatorLoss(
        this.dLogit(tf.sigmoid(this.decoder.apply(fakes.zTilde) as tf.Tensor2D)),
        this.dLogit(tf.sigmoid(this.generator.apply(fakes.zPrior) as tf.Tensor2D)),
        hp.adversarialForm,
      );
    if (hp.gamma <= 0) return { generator: tf.tidy(adversarial) };
    return minimizeWithParts(this.optG, this.vars.generator, (parts) => {
      parts.generator = adversarial();
      return parts.generator;
    });
  }

  /**
   * One training step in the seed's order (MODEL.md, "One training step"): phase 1 (VAE),
   * phase 2 (D), phase 3 (G). Hyperparameters are read afresh, so a change acts on this step.
   * @param x a batch of images in [0, 1], [batch, pixels]
   * @returns metrics in METRIC_NAMES order, [7]; the caller disposes it. Nothing else is left.
   */
  trainStep(x: tf.Tensor2D, hp: Hyperparams): tf.Tensor1D {
    const metrics = tf.tidy(() => {
      const vae = this.vaePhase(x, hp);
      const fakes = this.drawFakes(x);
      const d = this.discriminatorPhase(x, fakes, hp);
      const g = this.generatorPhase(fakes, hp);
      const all: Record<MetricName, tf.Scalar> = { ...vae, ...d, ...g };
      return tf.stack(METRIC_NAMES.map((name) => all[name])) as tf.Tensor1D; // [7]
    });
    this.steps += 1;
    return metrics;
  }

  /** Frees every tensor of the networks and optimisers. */
  dispose() {
    this.optVae.dispose();
    this.optD.dispose();
    this.optG.dispose();
    this.encoder.dispose();
    this.decoder.dispose();
    if (this.generator !== this.decoder) this.generator.dispose();
    this.discriminator.dispose();
  }
}
