/**
 * The VAEGAN of ../shared/MODEL.md: encoder, decoder, (generator), discriminator, three Adam
 * optimisers with explicit variable lists, and the seed's three-phase training step.
 * No DOM: runs in a Web Worker and under Node for the tests.
 */
import * as tf from '@tensorflow/tfjs';
import { GAN_ADAM_BETA1, type Hyperparams, type ModelConfig, validateModelConfig } from './config';
import { bernoulliNll, discriminatorLoss, generatorLoss, klDivergence } from './losses';
import { buildDecoder, buildDiscriminator, buildEncoder, trainableVariables } from './networks';
import { seedStream } from './random';

/** Order of the numbers in the metrics vector that trainStep returns. */
export const METRIC_NAMES = [
  'reconstruction', // L_rec: Bernoulli NLL in nats per image
  'kl', // L_reg: KL(q(z|x) || p(z)) in nats per image
  'discriminator', // L_D
  'generator', // L_G (unweighted by gamma)
  'dReal', // mean D(x)
  'dRecon', // mean D(x_tilde)
  'dPrior', // mean D(x_p)
] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

/** Adam whose learning rate can change between steps without losing its moment estimates. */
class TunableAdam extends tf.AdamOptimizer {
  setLearningRate(lr: number) {
    this.learningRate = lr;
  }
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
    this.nextSeed = seedStream(config.seed ^ 0x5eed);
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

  /** Applies new learning rates; Adam's moment estimates carry on. */
  setLearningRates(hp: Pick<Hyperparams, 'lrVae' | 'lrD' | 'lrG'>) {
    this.optVae.setLearningRate(hp.lrVae);
    this.optD.setLearningRate(hp.lrD);
    this.optG.setLearningRate(hp.lrG);
  }

  /**
   * One training step in the seed's order (MODEL.md, "One training step"):
   * 1. encoder + decoder minimise L_rec + beta * L_reg;
   * 2. discriminator minimises L_D on real, reconstructed and prior images;
   * 3. generator (= decoder in `shared`) minimises gamma * L_G; skipped when gamma = 0 so that
   *    Adam's momentum cannot move the decoder in a plain VAE.
   * @param x a batch of images in [0, 1], [batch, pixels]
   * @returns metrics in METRIC_NAMES order, [7]; the caller disposes it. Nothing else is left.
   */
  trainStep(x: tf.Tensor2D, hp: Hyperparams): tf.Tensor1D {
    this.setLearningRates(hp);
    const batch = x.shape[0];
    // Parts of the costs, kept past the optimisers' internal tidies; disposed below.
    const kept: tf.Tensor[] = [];
    const keep = <T extends tf.Tensor>(t: T): T => {
      kept.push(tf.keep(t));
      return t;
    };
    const metrics = tf.tidy(() => {
      // Phase 1: VAE. D and G are not in the var list, so they stay fixed.
      let rec!: tf.Scalar;
      let kl!: tf.Scalar;
      this.optVae.minimize(
        () => {
          const { mu, logvar } = this.encode(x); // [batch, latentDim] each
          const z = this.sampleZ(mu, logvar);
          const logits = this.decoder.apply(z) as tf.Tensor2D; // [batch, pixels]
          rec = keep(bernoulliNll(logits, x));
          kl = keep(klDivergence(mu, logvar));
          return tf.add(rec, tf.mul(hp.beta, kl)) as tf.Scalar;
        },
        false,
        [...this.vars.encoder, ...this.vars.decoder],
      );

      // Fakes for phases 2 and 3, drawn once, from the updated encoder/decoder.
      const { mu, logvar } = this.encode(x);
      const zTilde = this.sampleZ(mu, logvar); // [batch, latentDim]
      const zPrior = this.priorZ(batch); // [batch, latentDim]
      const xTilde = this.decode(zTilde); // [batch, pixels], constant for D
      const xPrior = this.generate(zPrior); // [batch, pixels]

      // Phase 2: discriminator on the three batches.
      let dReal!: tf.Scalar;
      let dRecon!: tf.Scalar;
      let dPrior!: tf.Scalar;
      const lD = this.optD.minimize(
        () => {
          const realLogit = this.dLogit(x);
          const reconLogit = this.dLogit(xTilde);
          const priorLogit = this.dLogit(xPrior);
          dReal = keep(tf.mean(tf.sigmoid(realLogit)));
          dRecon = keep(tf.mean(tf.sigmoid(reconLogit)));
          dPrior = keep(tf.mean(tf.sigmoid(priorLogit)));
          return discriminatorLoss(realLogit, reconLogit, priorLogit);
        },
        true,
        this.vars.discriminator,
      ) as tf.Scalar;

      // Phase 3: generator side against the updated D, which is not in the var list.
      const adversarial = () =>
        generatorLoss(
          this.dLogit(tf.sigmoid(this.decoder.apply(zTilde) as tf.Tensor2D)),
          this.dLogit(tf.sigmoid(this.generator.apply(zPrior) as tf.Tensor2D)),
          hp.adversarialForm,
        );
      let lG: tf.Scalar;
      if (hp.gamma > 0) {
        this.optG.minimize(
          () => {
            lG = keep(adversarial());
            return tf.mul(hp.gamma, lG) as tf.Scalar;
          },
          false,
          this.vars.generator,
        );
      } else {
        lG = adversarial(); // reported, not trained
      }

      return tf.stack([rec, kl, lD, lG!, dReal, dRecon, dPrior]) as tf.Tensor1D;
    });
    tf.dispose(kept);
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
