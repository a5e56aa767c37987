/**
 * The model's structure and the types its code shares with the page: image shapes, the model
 * config, the equilibrium gate's constants, and (re-exported from the settings table,
 * ./settings.ts) the choices, the training weights and their defaults and ranges; the model
 * itself is described in docs/model.md.
 * Pure data: no tfjs, no DOM, safe to import from the page.
 */
import {
  type Architecture,
  DEFAULT_HYPERPARAMS,
  DEFAULT_RUN_SETTINGS,
  GATE_EQUILIBRIUM,
  GATE_MARGIN,
  type Hyperparams,
  LIVE_SETTINGS,
  rangeOf,
  RUN_SETTINGS,
  sanitizeHyperparams,
  settingProblem,
  type Variant,
} from './settings';

export type {
  AdversarialForm,
  Architecture,
  Hyperparams,
  ReconstructionLoss,
  Variant,
} from './settings';
export { DEFAULT_HYPERPARAMS, GATE_EQUILIBRIUM, GATE_MARGIN, sanitizeHyperparams };

export const ARCHITECTURES = RUN_SETTINGS.architecture.choices;
export const RECONSTRUCTION_LOSSES = LIVE_SETTINGS.reconstructionLoss.choices;

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
  /** Width of the hidden layers of every MLP network (512 in the seed). */
  hiddenUnits: number;
  /**
   * Hidden layers of the MLP encoder, decoder and generator (1, the seed's, when absent); the
   * discriminator keeps one. The conv networks do not use it.
   */
  hiddenLayers?: number;
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

export const LATENT_DIM_RANGE = rangeOf('latentDim');
export const HIDDEN_UNITS_RANGE = rangeOf('hiddenUnits');
export const BETA_RANGE = rangeOf('beta');
export const GAMMA_RANGE = rangeOf('gamma');
/**
 * Up to 10, far past any useful rate, on purpose: the divergence guard
 * (src/features/training/worker/guard.ts) catches the NaN such a rate makes and halves it, so
 * trying one is safe and instructive.
 */
export const LEARNING_RATE_RANGE = rangeOf('lrVae');

export const DEFAULT_MODEL_CONFIG: ModelConfig = {
  architecture: DEFAULT_RUN_SETTINGS.architecture,
  variant: DEFAULT_RUN_SETTINGS.variant,
  latentDim: DEFAULT_RUN_SETTINGS.latentDim,
  hiddenUnits: DEFAULT_RUN_SETTINGS.hiddenUnits,
  hiddenLayers: DEFAULT_RUN_SETTINGS.hiddenLayers,
  image: MNIST_IMAGE,
  seed: DEFAULT_RUN_SETTINGS.seed,
};

/** Hidden layers of a config's MLP encoder and decoder (1 when the config does not say). */
export function hiddenLayersOf(config: Pick<ModelConfig, 'hiddenLayers'>): number {
  return config.hiddenLayers ?? 1;
}

/** Adam's first-moment decay for D and G: 0.5 as in DCGAN; the VAE keeps Adam's 0.9. */
export const GAN_ADAM_BETA1 = 0.5;

/** Checks a model config, returning a list of human-readable problems (empty when valid). */
export function validateModelConfig(c: ModelConfig): string[] {
  const problems: string[] = [];
  for (const key of ['latentDim', 'hiddenUnits', 'variant', 'architecture'] as const) {
    const problem = settingProblem(key, c[key]);
    if (problem) problems.push(problem);
  }
  if (c.hiddenLayers !== undefined) {
    const problem = settingProblem('hiddenLayers', c.hiddenLayers);
    if (problem) problems.push(problem);
  }
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

/**
 * Whether a step is phase 1 alone: a plain VAE (gamma = 0, pixel reconstruction, not GAN-only)
 * whose discriminator does not watch (`dWatches` off). Then no fakes are drawn and neither D nor
 * the generator side runs; their metrics are NaN ("not computed").
 */
export function phaseOneOnly(
  hp: Pick<Hyperparams, 'gamma' | 'ganOnly' | 'dWatches' | 'reconstructionLoss'>,
): boolean {
  return hp.gamma === 0 && !hp.ganOnly && !hp.dWatches && hp.reconstructionLoss === 'pixel';
}
