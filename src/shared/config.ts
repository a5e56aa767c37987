/**
 * Every choice that shapes a VAEGAN, with the defaults of the seed model (docs/model.md).
 * Pure data: no tfjs, no DOM, safe to import from the page.
 */

/** `shared`: the decoder is the generator (Larsen et al. 2016). `separate`: the seed's four networks. */
export type Variant = 'shared' | 'separate';
/**
 * `mlp`: the seed's 784-512-latent networks. `conv`: DCGAN-style convolutional networks
 * (conv-networks.ts), sharper images, but they need a backend with conv weight gradients.
 */
export type Architecture = 'mlp' | 'conv';
export const ARCHITECTURES: readonly Architecture[] = ['mlp', 'conv'];
/**
 * Reconstruction loss of phase 1: `pixel` is the Bernoulli NLL over pixels (the seed's),
 * `feature` Larsen's learned similarity 0.5 * ||Dis_l(x) - Dis_l(x_tilde)||^2 on D's hidden
 * features, `mixed` their sum.
 */
export type ReconstructionLoss = 'pixel' | 'feature' | 'mixed';
export const RECONSTRUCTION_LOSSES: readonly ReconstructionLoss[] = ['pixel', 'feature', 'mixed'];

/**
 * Larsen's equilibrium gate (autoencoding_beyond_pixels): D's binary cross-entropy on real and
 * on fake images is compared with ln 2 ~ 0.68 (the value at D = 0.5) give or take the margin.
 */
export const GATE_EQUILIBRIUM = 0.68;
export const GATE_MARGIN = 0.35;
/** Generator-side adversarial loss: non-saturating -log D(G(z)), or the seed's minimax log(1 - D(G(z))). */
export type AdversarialForm = 'non-saturating' | 'minimax';

/** Size of one image; pixels are stored row-major with the channels of a pixel together (HWC). */
export interface ImageShape {
  width: number;
  height: number;
  /** 1 for grey levels, 3 for RGB. */
  channels: 1 | 3;
}

/** MNIST and Fashion-MNIST: 28 x 28 grey levels. */
export const MNIST_IMAGE: ImageShape = { width: 28, height: 28, channels: 1 };

/** Values per image: width * height * channels (the MLP networks' input and output size). */
export function imageSize(shape: ImageShape): number {
  return shape.width * shape.height * shape.channels;
}

/** Structure of the networks: fixed for the life of a model; changing it means a new model. */
export interface ModelConfig {
  architecture: Architecture;
  variant: Variant;
  /** Size of z. 2 makes the latent space directly drawable; the seed uses 20. */
  latentDim: number;
  /** Width of the one hidden layer of every MLP network (512 in the seed). */
  hiddenUnits: number;
  /** Shape of the images: 28 x 28 x 1 for MNIST and Fashion-MNIST, 32 x 32 x 3 for colour sets. */
  image: ImageShape;
  /**
   * Filters of the two conv blocks of the `conv` networks (DCGAN-style 32 and 64 by default).
   * Narrower blocks keep the CPU-backend tests fast. Images cross as flat rows of
   * height * width * channels values, in HWC order.
   */
  convFilters?: [number, number];
  /** Seeds weight initialisation and every noise draw, so a run can be repeated. */
  seed: number;
}

/** Training weights the user may change between any two steps. */
export interface Hyperparams {
  /** beta: weight of the KL term in the encoder/decoder loss. */
  beta: number;
  /**
   * gamma: weight of the adversarial loss on the decoder/generator; 0 gives a plain VAE.
   * Phase 3 has its own Adam, which ignores a constant factor on its loss, so gamma scales that
   * phase's step instead: the adversarial step is gamma * lrG.
   */
  gamma: number;
  /** Adam learning rate of the encoder + decoder (phase 1). */
  lrVae: number;
  /** Adam learning rate of the discriminator (phase 2). */
  lrD: number;
  /** Adam learning rate of the generator, i.e. the decoder in `shared` (phase 3), before gamma. */
  lrG: number;
  adversarialForm: AdversarialForm;
  /** Phase 1's reconstruction term (docs/model.md, "The losses"). */
  reconstructionLoss: ReconstructionLoss;
  /**
   * D sees reconstructions x_tilde as a third batch (Larsen). Off: D and the generator side see
   * real images against prior samples only, as in a plain GAN.
   */
  reconstructionsInD: boolean;
  /** Larsen's equilibrium gate: skip D's update when it is far ahead, G's when D is weak. */
  equilibriumGate: boolean;
  /**
   * Plain GAN: no phase 1 (the encoder never moves), D sees real against prior samples, and the
   * generator takes steps of lrG (gamma only trades the adversarial loss off against the
   * reconstruction, which is not trained here).
   */
  ganOnly: boolean;
}

export const LATENT_DIM_RANGE = { min: 2, max: 128 } as const;
export const HIDDEN_UNITS_RANGE = { min: 16, max: 2048 } as const;
export const BETA_RANGE = { min: 0, max: 10 } as const;
export const GAMMA_RANGE = { min: 0, max: 10 } as const;
/**
 * Up to 10, far past any useful rate, on purpose: the divergence guard (src/features/training/worker/guard.ts)
 * catches the NaN such a rate makes and halves it, so trying one is safe and instructive.
 */
export const LEARNING_RATE_RANGE = { min: 1e-6, max: 10 } as const;

export const DEFAULT_MODEL_CONFIG: ModelConfig = {
  architecture: 'mlp',
  variant: 'shared',
  latentDim: 16,
  hiddenUnits: 512,
  image: MNIST_IMAGE,
  seed: 1,
};

export const DEFAULT_HYPERPARAMS: Hyperparams = {
  beta: 1,
  // Small enough that reconstructions stay sharp while D shapes the samples (docs/model.md).
  gamma: 0.1,
  lrVae: 1e-3,
  lrD: 2e-4,
  lrG: 2e-4,
  adversarialForm: 'non-saturating',
  reconstructionLoss: 'pixel',
  reconstructionsInD: true,
  equilibriumGate: false,
  ganOnly: false,
};

/** Adam's first-moment decay for D and G: 0.5 as in DCGAN; the VAE keeps Adam's 0.9. */
export const GAN_ADAM_BETA1 = 0.5;

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

/**
 * Brings hyperparameters into their allowed ranges; non-finite numbers fall back to the default.
 * The worker applies this to everything the page sends, so no slider can inject NaN.
 */
export function sanitizeHyperparams(h: Partial<Hyperparams>, base: Hyperparams): Hyperparams {
  const num = (v: unknown, fallback: number, lo: number, hi: number) =>
    typeof v === 'number' && Number.isFinite(v) ? clamp(v, lo, hi) : fallback;
  const bool = (v: unknown, fallback: boolean) => (typeof v === 'boolean' ? v : fallback);
  const lr = LEARNING_RATE_RANGE;
  return {
    beta: num(h.beta, base.beta, BETA_RANGE.min, BETA_RANGE.max),
    gamma: num(h.gamma, base.gamma, GAMMA_RANGE.min, GAMMA_RANGE.max),
    lrVae: num(h.lrVae, base.lrVae, lr.min, lr.max),
    lrD: num(h.lrD, base.lrD, lr.min, lr.max),
    lrG: num(h.lrG, base.lrG, lr.min, lr.max),
    adversarialForm:
      h.adversarialForm === 'minimax' || h.adversarialForm === 'non-saturating'
        ? h.adversarialForm
        : base.adversarialForm,
    reconstructionLoss: RECONSTRUCTION_LOSSES.includes(h.reconstructionLoss as ReconstructionLoss)
      ? (h.reconstructionLoss as ReconstructionLoss)
      : base.reconstructionLoss,
    reconstructionsInD: bool(h.reconstructionsInD, base.reconstructionsInD),
    equilibriumGate: bool(h.equilibriumGate, base.equilibriumGate),
    ganOnly: bool(h.ganOnly, base.ganOnly),
  };
}

/** Checks a model config, returning a list of human-readable problems (empty when valid). */
export function validateModelConfig(c: ModelConfig): string[] {
  const problems: string[] = [];
  const intIn = (v: number, lo: number, hi: number) => Number.isInteger(v) && v >= lo && v <= hi;
  if (!intIn(c.latentDim, LATENT_DIM_RANGE.min, LATENT_DIM_RANGE.max)) {
    problems.push(
      `latent size must be a whole number from ${LATENT_DIM_RANGE.min} to ${LATENT_DIM_RANGE.max}`,
    );
  }
  if (!intIn(c.hiddenUnits, HIDDEN_UNITS_RANGE.min, HIDDEN_UNITS_RANGE.max)) {
    problems.push(
      `hidden units must be a whole number from ${HIDDEN_UNITS_RANGE.min} to ${HIDDEN_UNITS_RANGE.max}`,
    );
  }
  if (c.variant !== 'shared' && c.variant !== 'separate') problems.push('unknown variant');
  if (!ARCHITECTURES.includes(c.architecture)) problems.push('unknown architecture');
  if (!Number.isInteger(c.seed)) problems.push('seed must be a whole number');
  const { width, height, channels } = c.image;
  const side = (v: number) => Number.isInteger(v) && v >= 4 && v <= 256;
  if (!side(width) || !side(height) || (channels !== 1 && channels !== 3)) {
    problems.push('image shape must be 4 to 256 pixels a side with 1 or 3 channels');
  } else if (c.architecture === 'conv' && (height % 4 !== 0 || width % 4 !== 0)) {
    problems.push('the conv architecture needs an image height and width divisible by 4');
  }
  return problems;
}
