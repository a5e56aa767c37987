/**
 * Checks on every argument that reaches the trainer through its API: the page is trusted to
 * be well-behaved, but the API must not depend on it. A bad argument is refused with a
 * TrainerInputError (its code says which kind) and nothing in the trainer changes. Also the
 * rules run settings must meet, in words for the page (validateSettings, convBackendProblem).
 */
import {
  BETA_RANGE,
  GAMMA_RANGE,
  type Hyperparams,
  LEARNING_RATE_RANGE,
  MNIST_IMAGE,
  RECONSTRUCTION_LOSSES,
  type ReconstructionLoss,
  validateModelConfig,
} from '../../../shared/config';
import { TrainerInputError } from '../../../shared/errors';
import {
  BACKEND_NAMES,
  BATCH_SIZE_RANGE,
  type BackendInfo,
  type BackendRequest,
  type RunSettings,
} from '../shared/protocol';

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const describe = (v: unknown) =>
  typeof v === 'number' || typeof v === 'boolean'
    ? String(v)
    : typeof v === 'string'
      ? JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)
      : v === null
        ? 'null'
        : Array.isArray(v)
          ? 'an array'
          : typeof v;

const BACKEND_REQUESTS: readonly BackendRequest[] = ['auto', ...BACKEND_NAMES];

/** init's request: a known backend and a URL for the data sets. */
export function checkInitRequest(request: unknown, listener: unknown) {
  if (!isRecord(request)) {
    throw new TrainerInputError(
      'bad-argument',
      `init needs a request object, not ${describe(request)}.`,
    );
  }
  if (!BACKEND_REQUESTS.includes(request.backend as BackendRequest)) {
    throw new TrainerInputError(
      'bad-argument',
      `Unknown backend ${describe(request.backend)}: use one of ${BACKEND_REQUESTS.join(', ')}.`,
    );
  }
  if (typeof request.datasetsBaseUrl !== 'string' || request.datasetsBaseUrl.length === 0) {
    throw new TrainerInputError('bad-argument', 'datasetsBaseUrl must be a non-empty URL string.');
  }
  if (typeof listener !== 'function') {
    throw new TrainerInputError('bad-argument', 'init needs a listener function for the events.');
  }
  const interaction = request.interaction;
  if (
    interaction !== undefined &&
    !(
      interaction instanceof Int32Array &&
      interaction.length >= 1 &&
      typeof SharedArrayBuffer !== 'undefined' &&
      interaction.buffer instanceof SharedArrayBuffer
    )
  ) {
    throw new TrainerInputError(
      'bad-argument',
      `interaction must be an Int32Array over a SharedArrayBuffer, not ${describe(interaction)}.`,
    );
  }
}

const SETTINGS_TYPES: Record<keyof RunSettings, 'string' | 'number'> = {
  dataset: 'string',
  architecture: 'string',
  variant: 'string',
  latentDim: 'number',
  hiddenUnits: 'number',
  batchSize: 'number',
  seed: 'number',
};

/** configure's settings: every field present, of its type, and in range. */
export function checkSettings(settings: unknown): RunSettings {
  if (!isRecord(settings)) {
    throw new TrainerInputError(
      'bad-argument',
      `Run settings must be an object, not ${describe(settings)}.`,
    );
  }
  for (const key of Object.keys(settings)) {
    if (!(key in SETTINGS_TYPES)) {
      throw new TrainerInputError('bad-argument', `Unknown run setting ${describe(key)}.`);
    }
  }
  for (const [key, type] of Object.entries(SETTINGS_TYPES)) {
    if (typeof settings[key] !== type) {
      throw new TrainerInputError(
        'bad-argument',
        `Run setting ${key} must be a ${type}, not ${describe(settings[key])}.`,
      );
    }
  }
  const s = settings as unknown as RunSettings;
  const problems = validateSettings(s);
  if (problems.length > 0) {
    throw new TrainerInputError('invalid-settings', `Invalid run settings: ${problems.join('; ')}`);
  }
  return { ...s };
}

type NumericHyperparam = 'beta' | 'gamma' | 'lrVae' | 'lrD' | 'lrG';
const HP_RANGES: Record<NumericHyperparam, { min: number; max: number }> = {
  beta: BETA_RANGE,
  gamma: GAMMA_RANGE,
  lrVae: LEARNING_RATE_RANGE,
  lrD: LEARNING_RATE_RANGE,
  lrG: LEARNING_RATE_RANGE,
};

/**
 * setHyperparams' patch: known keys only, finite numbers inside their ranges. A value within a
 * rounding error of an end (a log slider's 10^log10(0.1)) is taken as that end.
 */
export function checkHyperparams(patch: unknown): Partial<Hyperparams> {
  if (!isRecord(patch)) {
    throw new TrainerInputError(
      'bad-argument',
      `Hyperparameters must be an object, not ${describe(patch)}.`,
    );
  }
  const out: Partial<Hyperparams> = {};
  for (const [key, value] of Object.entries(patch)) {
    if (key === 'adversarialForm') {
      if (value !== 'non-saturating' && value !== 'minimax') {
        throw new TrainerInputError(
          'bad-argument',
          `Unknown adversarial loss form ${describe(value)}: use non-saturating or minimax.`,
        );
      }
      out.adversarialForm = value;
      continue;
    }
    if (key === 'reconstructionLoss') {
      if (!RECONSTRUCTION_LOSSES.includes(value as ReconstructionLoss)) {
        throw new TrainerInputError(
          'bad-argument',
          `Unknown reconstruction loss ${describe(value)}: use ${RECONSTRUCTION_LOSSES.join(', ')}.`,
        );
      }
      out.reconstructionLoss = value as ReconstructionLoss;
      continue;
    }
    if (key === 'reconstructionsInD' || key === 'equilibriumGate' || key === 'ganOnly') {
      if (typeof value !== 'boolean') {
        throw new TrainerInputError(
          'bad-argument',
          `${key} must be true or false, not ${describe(value)}.`,
        );
      }
      out[key] = value;
      continue;
    }
    const range = HP_RANGES[key as keyof typeof HP_RANGES];
    if (!range)
      throw new TrainerInputError('bad-argument', `Unknown hyperparameter ${describe(key)}.`);
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new TrainerInputError(
        'bad-argument',
        `${key} must be a finite number, not ${describe(value)}.`,
      );
    }
    const slack = 1e-9 * Math.max(Math.abs(range.min), Math.abs(range.max));
    if (value < range.min - slack || value > range.max + slack) {
      throw new TrainerInputError(
        'out-of-range',
        `${key} = ${value} is outside its range, ${range.min} to ${range.max}; nothing was changed.`,
      );
    }
    out[key as keyof typeof HP_RANGES] = Math.min(range.max, Math.max(range.min, value));
  }
  return out;
}

/** importRun's bytes. */
export function checkBytes(bytes: unknown): Uint8Array {
  if (!(bytes instanceof Uint8Array)) {
    throw new TrainerInputError(
      'bad-argument',
      `A run to import must be the bytes of a zip file (Uint8Array), not ${describe(bytes)}.`,
    );
  }
  return bytes;
}

const NETWORKS = ['encoder', 'decoder', 'discriminator'] as const;
export type PoisonTarget = (typeof NETWORKS)[number];

export function checkPoisonTarget(network: unknown): PoisonTarget {
  if (network === undefined) return 'discriminator';
  if (!NETWORKS.includes(network as PoisonTarget)) {
    throw new TrainerInputError(
      'bad-argument',
      `Unknown network ${describe(network)}: use one of ${NETWORKS.join(', ')}.`,
    );
  }
  return network as PoisonTarget;
}

/** Why a backend cannot train conv, in words for the page. */
export function convBackendProblem(backend: string, missing: string[]): string {
  return (
    `the ${backend} backend cannot train the conv architecture: it has no ` +
    `${missing.join(', ')} kernel (the gradient of the convolution weights). ` +
    'Pick another backend (the automatic choice finds one), or the mlp architecture'
  );
}

/** Problems with run settings, in words for the page (empty when valid). */
export function validateSettings(s: RunSettings): string[] {
  const problems = validateModelConfig({
    architecture: s.architecture,
    variant: s.variant,
    latentDim: s.latentDim,
    hiddenUnits: s.hiddenUnits,
    image: MNIST_IMAGE,
    seed: s.seed,
  });
  if (
    !Number.isInteger(s.batchSize) ||
    s.batchSize < BATCH_SIZE_RANGE.min ||
    s.batchSize > BATCH_SIZE_RANGE.max
  ) {
    problems.push(
      `batch size must be a whole number from ${BATCH_SIZE_RANGE.min} to ${BATCH_SIZE_RANGE.max}`,
    );
  }
  if (s.dataset !== 'mnist' && s.dataset !== 'fashion-mnist' && s.dataset !== 'user') {
    problems.push('unknown data set');
  }
  return problems;
}

/** Problems with run settings on the running backend, in words for the page (empty when valid). */
export function settingsProblemsOn(s: RunSettings, backend: BackendInfo | undefined): string[] {
  const problems = validateSettings(s);
  const missing = backend?.missingConvKernels ?? [];
  if (s.architecture === 'conv' && missing.length > 0) {
    problems.push(convBackendProblem(backend!.name, missing));
  }
  return problems;
}
