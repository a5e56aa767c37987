/**
 * Every setting a user can choose, in one table: one row per setting with its key in the URL,
 * its kind, its range or choices, its default, the words the form shows and the reason for the
 * default. The URL reader and writer (src/app/url-state.ts), the training worker's argument
 * checks (features/training/worker/validate.ts), the run archive's manifest checks, the
 * defaults of the page's store and the form's ranges and options are all derived from it, so a
 * new setting is one row here plus the code that uses it.
 *
 * Three groups: `run` settings define a model and its data (changing one builds a new model),
 * `live` settings act on the next training step, `budget` settings say when training stops by
 * itself. The backend is a setting of its own: changing it restarts the training worker.
 *
 * Pure data and small functions: no tfjs, no DOM, safe to import anywhere. Over 400 lines
 * because it is the whole table: most of it is the rows, and each row is read as one.
 */
/** The data sets the app serves itself (public/datasets). */
export type BuiltinDatasetId = 'mnist' | 'fashion-mnist';
/**
 * A built-in set, or `user`: images from the user's own computer, decoded in the page's import
 * worker. A user set cannot be fetched from a URL; the trainer holds the one loaded last.
 */
export type DatasetId = BuiltinDatasetId | 'user';
export const DATASET_IDS: readonly BuiltinDatasetId[] = ['mnist', 'fashion-mnist'];

/** `shared`: the decoder is the generator (Larsen et al. 2016). `separate`: the seed's four networks. */
export type Variant = 'shared' | 'separate';
/**
 * `mlp`: the seed's 784-512-latent networks. `conv`: DCGAN-style convolutional networks
 * (src/model/conv-networks.ts): sharper images, several times the work per step.
 */
export type Architecture = 'mlp' | 'conv';
/**
 * Reconstruction loss of phase 1: `pixel` is the Bernoulli NLL over pixels (the seed's),
 * `feature` Larsen's learned similarity 0.5 * ||Dis_l(x) - Dis_l(x_tilde)||^2 on D's hidden
 * features, `mixed` their sum.
 */
export type ReconstructionLoss = 'pixel' | 'feature' | 'mixed';
/** Generator-side adversarial loss: non-saturating -log D(G(z)), or the seed's minimax log(1 - D(G(z))). */
export type AdversarialForm = 'non-saturating' | 'minimax';

/**
 * Larsen's equilibrium gate: D's binary cross-entropy on real and on fake images is compared
 * with ln 2 ~ 0.68 (the value at D = 0.5) give or take the margin.
 */
export const GATE_EQUILIBRIUM = 0.68;
export const GATE_MARGIN = 0.35;

/** Training weights the user may change between any two steps (the `live` settings). */
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
  /** Phase 1's reconstruction term (docs/model.md, "Losses"). */
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
  /**
   * With gamma = 0 (a plain VAE), D still trains on the VAE's images and the generator side is
   * measured, so the curves show how far the VAE is from fooling a critic. Off: a plain VAE's
   * step is phase 1 alone (no fakes, no D, no generator pass) and the D curves have no points.
   */
  dWatches: boolean;
  /**
   * Dynamic binarisation: each training batch's pixels become 0 or 1 afresh at every step, 1 with
   * the grey level as its probability (the protocol the test likelihood is measured under).
   */
  binarize: boolean;
  /**
   * KL warm-up: beta ramps linearly from beta/N at step 1 to beta at step N (Bowman et al. 2016;
   * Sønderby et al. 2016); 0 is off (beta from the first step).
   */
  klWarmup: number;
  /**
   * Free bits (Kingma et al. 2016): each latent dimension's KL, averaged over the batch, counts
   * as at least this many nats in phase 1's loss, so the encoder gains nothing by pushing a
   * dimension below it; 0 is off. The KL on the curves stays the true KL.
   */
  freeBits: number;
}

export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';
export type BackendRequest = BackendName | 'auto';
export const BACKEND_NAMES: readonly BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

/** Settings that define a model and its data: changing one starts a new model. */
export interface RunSettings {
  dataset: DatasetId;
  /** `mlp` (the seed's) or `conv` (DCGAN-style; needs a backend with conv weight gradients). */
  architecture: Architecture;
  variant: Variant;
  latentDim: number;
  hiddenUnits: number;
  /** Hidden layers of the MLP encoder and decoder (the discriminator keeps one). */
  hiddenLayers: number;
  batchSize: number;
  seed: number;
}

interface Row {
  /** Name in the page's URL query. */
  url: string;
  /** Label of the form control (also its accessible name). */
  label: string;
  /** One or two sentences for the control's help, with the symbol used in the formulas. */
  help: string;
  /** Why the default is what it is. */
  reason: string;
}
/** A whole number in [min, max]. */
export interface IntRow extends Row {
  kind: 'int';
  min: number;
  max: number;
  default: number;
}
/** A real number in [min, max]; `slider` is how the form's log slider spans it. */
export interface NumberRow extends Row {
  kind: 'number';
  min: number;
  max: number;
  default: number;
  /** The log slider's lowest non-zero stop, and whether 0 is a stop of its own. */
  slider: { min: number; allowZero: boolean };
}
/** One of a fixed list; `options` are the form's words for each. */
export interface ChoiceRow<T extends string = string> extends Row {
  kind: 'choice';
  choices: readonly T[];
  options: Record<T, string>;
  default: T;
  /** What a bad value is called in messages, e.g. "adversarial loss form". */
  noun: string;
}
/** On or off, written in the URL as `url values[0]` (off) or `[1]` (on). */
export interface SwitchRow extends Row {
  kind: 'switch';
  default: boolean;
  urlValues: [off: string, on: string];
}
export type SettingRow = IntRow | NumberRow | ChoiceRow | SwitchRow;

/** Run settings: a new model when one changes. */
export const RUN_SETTINGS = {
  dataset: {
    kind: 'choice',
    url: 'dataset',
    label: 'Data set',
    noun: 'data set',
    choices: [...DATASET_IDS, 'user'] as readonly DatasetId[],
    options: { mnist: 'MNIST digits', 'fashion-mnist': 'Fashion-MNIST', user: 'Your images' },
    default: 'mnist',
    help: 'The images to learn: handwritten digits or clothing, 28×28 grey levels, or your own images',
    reason: 'MNIST is the data set of the seed and of the likelihoods in the literature.',
  } satisfies ChoiceRow<DatasetId>,
  architecture: {
    kind: 'choice',
    url: 'arch',
    label: 'Architecture',
    noun: 'architecture',
    choices: ['mlp', 'conv'] as readonly Architecture[],
    options: {
      mlp: "mlp: 784-hidden-latent (the seed's)",
      conv: 'conv: DCGAN-style, 5×5 convolutions',
    },
    default: 'mlp',
    help: "mlp: the seed's one-hidden-layer networks. conv: DCGAN-style convolutional encoder, decoder (batch-normalised) and discriminator, Dis_l = its last conv block; a step costs many times an mlp step",
    reason: "The seed's networks: fast on any backend, and what the speed figures are for.",
  } satisfies ChoiceRow<Architecture>,
  variant: {
    kind: 'choice',
    url: 'variant',
    label: 'Variant',
    noun: 'variant',
    choices: ['shared', 'separate'] as readonly Variant[],
    options: {
      shared: 'shared: decoder = generator',
      separate: "separate: four networks (the seed's code)",
    },
    default: 'shared',
    help: 'shared: the decoder p_θ is also the generator, so β and γ act on the same weights. separate: a generator G_ϑ of its own',
    reason: "Larsen's and the seed's math: β and γ trade off on the same decoder.",
  } satisfies ChoiceRow<Variant>,
  latentDim: {
    kind: 'int',
    url: 'latent',
    label: 'Latent size',
    min: 2,
    max: 128,
    default: 16,
    help: 'dim z: the size of the code q_φ(z|x) maps each image to; 2 makes the latent space drawable',
    reason: 'Room for MNIST’s factors without many collapsed units; 2 is a click away for drawing.',
  } satisfies IntRow,
  hiddenUnits: {
    kind: 'int',
    url: 'hidden',
    label: 'Hidden units',
    min: 16,
    max: 2048,
    default: 512,
    help: 'Width of the hidden layers of every MLP network (512 in the seed); the conv networks have fixed 32 and 64 filters and do not use it',
    reason: "The seed's width: enough for MNIST, and a step stays a few milliseconds.",
  } satisfies IntRow,
  hiddenLayers: {
    kind: 'int',
    url: 'layers',
    label: 'Hidden layers',
    min: 1,
    max: 3,
    default: 1,
    help: 'Hidden layers of the MLP encoder and decoder (and generator), each of the hidden width; the discriminator keeps one. The conv networks do not use it',
    reason: "The seed's one layer: the fastest step; a second one is a lever for the likelihood.",
  } satisfies IntRow,
  batchSize: {
    kind: 'int',
    url: 'batch',
    label: 'Batch size',
    min: 8,
    max: 512,
    default: 64,
    help: 'Images per training step; the losses are means over the batch',
    reason:
      'Small enough for several steps a second on two CPU cores, large enough for steady Adam steps.',
  } satisfies IntRow,
  seed: {
    kind: 'int',
    url: 'seed',
    label: 'Seed',
    min: 0,
    max: 2 ** 31 - 1,
    default: 1,
    help: 'Fixes the initial weights, the batch order and every noise draw: the same seed and settings give the same run',
    reason: 'Any fixed value makes a link reproduce its run.',
  } satisfies IntRow,
} as const;

/** Learning rates: up to 10, far past any useful rate, on purpose (see LEARNING_RATE_RANGE). */
const LR = { min: 1e-6, max: 10 } as const;

/** Live settings: each acts on the next training step. */
export const LIVE_SETTINGS = {
  beta: {
    kind: 'number',
    url: 'beta',
    label: 'KL weight',
    min: 0,
    max: 10,
    slider: { min: 1e-3, allowZero: true },
    default: 1,
    help: 'β: weight of KL(q(z|x) ‖ N(0, I)) in the encoder/decoder loss',
    reason: 'β = 1 is the ELBO itself, so the reconstruction and KL curves sum to a bound in nats.',
  } satisfies NumberRow,
  gamma: {
    kind: 'number',
    url: 'gamma',
    label: 'Adversarial weight',
    min: 0,
    max: 10,
    slider: { min: 1e-3, allowZero: true },
    default: 0.1,
    help: "γ: scales the generator's adversarial step; 0 gives a plain VAE",
    reason: 'Small enough that reconstructions stay sharp while D shapes the samples.',
  } satisfies NumberRow,
  lrVae: {
    kind: 'number',
    url: 'lrVae',
    label: 'VAE learning rate',
    ...LR,
    slider: { min: 1e-5, allowZero: false },
    default: 1e-3,
    help: 'η_VAE: Adam step of the encoder and decoder in phase 1',
    reason: "Adam's usual rate for a VAE of this size.",
  } satisfies NumberRow,
  lrD: {
    kind: 'number',
    url: 'lrD',
    label: 'Discriminator learning rate',
    ...LR,
    slider: { min: 1e-5, allowZero: false },
    default: 2e-4,
    help: 'η_D: Adam step of D_ψ in phase 2',
    reason: 'The DCGAN rate, with β₁ = 0.5.',
  } satisfies NumberRow,
  lrG: {
    kind: 'number',
    url: 'lrG',
    label: 'Generator learning rate',
    ...LR,
    slider: { min: 1e-5, allowZero: false },
    default: 2e-4,
    help: 'η_G: Adam step of the generator in phase 3, times γ',
    reason: 'The DCGAN rate, with β₁ = 0.5.',
  } satisfies NumberRow,
  adversarialForm: {
    kind: 'choice',
    url: 'adv',
    label: 'Adversarial loss',
    noun: 'adversarial loss form',
    choices: ['non-saturating', 'minimax'] as readonly AdversarialForm[],
    options: {
      'non-saturating': 'non-saturating −log D(G(z))',
      minimax: "minimax log(1 − D(G(z))) (the seed's)",
    },
    default: 'non-saturating',
    help: "The generator's loss L_G: non-saturating keeps strong gradients when D wins; minimax is the seed's form",
    reason: 'Strong gradients early in training, when D easily tells samples from data.',
  } satisfies ChoiceRow<AdversarialForm>,
  reconstructionLoss: {
    kind: 'choice',
    url: 'rec',
    label: 'Reconstruction loss',
    noun: 'reconstruction loss',
    choices: ['pixel', 'feature', 'mixed'] as readonly ReconstructionLoss[],
    options: {
      pixel: 'pixel: cross-entropy over pixels',
      feature: 'feature: ½‖Dis_l(x) − Dis_l(x̃)‖²',
      mixed: 'mixed: pixel + feature',
    },
    default: 'pixel',
    help: "L_rec of phase 1. pixel: binary cross-entropy over the pixels. feature: Larsen's learned similarity ½‖Dis_l(x) − Dis_l(x̃)‖² on the discriminator's hidden layer (D's own weights get no gradient from it). mixed: their sum",
    reason: "The seed's log p(x|z), which keeps the likelihood figures comparable.",
  } satisfies ChoiceRow<ReconstructionLoss>,
  reconstructionsInD: {
    kind: 'switch',
    url: 'dBatches',
    urlValues: ['2', '3'],
    label: 'D also sees reconstructions x̃ (three batches)',
    default: true,
    help: 'On (Larsen): D is trained on real images against reconstructions x̃ and prior samples x_p, weighted ½ each, and the generator side is scored on both. Off: real against prior samples only, as in a plain GAN',
    reason: "Larsen's three batches: the decoder learns from D on both of its outputs.",
  } satisfies SwitchRow,
  equilibriumGate: {
    kind: 'switch',
    url: 'gate',
    urlValues: ['0', '1'],
    label: `Equilibrium gate (margin ${GATE_MARGIN}, equilibrium ${GATE_EQUILIBRIUM})`,
    default: false,
    help: `Larsen's equilibrium gate: D's update is skipped while its cross-entropy on real or fake images is below ${GATE_EQUILIBRIUM} − ${GATE_MARGIN} (D far ahead); the generator side's while either is above ${GATE_EQUILIBRIUM} + ${GATE_MARGIN} (D weak). The curves show how often each was skipped`,
    reason: 'Off, so the default step has no readback; on, it costs one small readback a step.',
  } satisfies SwitchRow,
  ganOnly: {
    kind: 'switch',
    url: 'gan',
    urlValues: ['0', '1'],
    label: 'GAN only (no encoder, no reconstruction)',
    default: false,
    help: 'Train the generator and the discriminator alone: no encoder, no reconstruction phase; D sees real images against prior samples, and the generator takes steps of η_G (γ has nothing to trade off against)',
    reason: 'The app trains a VAEGAN; the plain GAN is a special case to compare with.',
  } satisfies SwitchRow,
  dWatches: {
    kind: 'switch',
    url: 'watch',
    urlValues: ['0', '1'],
    label: 'D watches a plain VAE (γ = 0)',
    default: true,
    help: "On: with γ = 0 the discriminator still trains against the VAE's reconstructions and samples, so its curves say how far the VAE is from fooling it. Off: a plain VAE trains phase 1 alone (no fakes, no D, no generator pass), about three times as many images a second, and D's curves pause. No effect while γ > 0, with the feature loss or in GAN-only mode",
    reason:
      "On, so D's curves and map show the VAE's samples against a critic; the likelihood preset turns it off for speed.",
  } satisfies SwitchRow,
  binarize: {
    kind: 'switch',
    url: 'bin',
    urlValues: ['0', '1'],
    label: 'Binarise the training images (dynamic)',
    default: false,
    help: 'Each pixel of each training batch becomes 1 with its grey level as the probability, else 0, drawn afresh at every step (dynamic binarisation). The test likelihood is measured on images binarised this way; training on them matches that, and the fresh draws keep the networks from fitting the exact grey levels. Off: the batches are the grey images',
    reason: 'Off, so the reconstructions are of the images as they are.',
  } satisfies SwitchRow,
  klWarmup: {
    kind: 'int',
    url: 'klWarmup',
    label: 'KL warm-up steps',
    min: 0,
    max: 100_000,
    default: 0,
    help: 'N: the KL weight ramps up linearly, β·min(1, t/N) at step t, so the decoder learns to use z before the KL pulls q(z|x) to the prior; 0 is off',
    reason: 'Off, so β means the same at every step and the ELBO is trained from the start.',
  } satisfies IntRow,
  freeBits: {
    kind: 'number',
    url: 'freeBits',
    label: 'Free bits',
    min: 0,
    max: 5,
    slider: { min: 0.01, allowZero: true },
    default: 0,
    help: 'λ: nats per latent dimension that the KL term does not charge for; phase 1 minimises Σ_j max(λ, KL_j) (KL_j averaged over the batch), so no dimension gains by collapsing below λ; 0 is off',
    reason: 'Off, so phase 1 trains the ELBO itself.',
  } satisfies NumberRow,
} as const;

/** How a training budget is counted; `off` trains until paused. */
export type BudgetUnit = 'off' | 'steps' | 'epochs' | 'minutes';
/** `constant`: the learning rates as set. `cosine`: each decays over the budget (docs/model.md). */
export type LrSchedule = 'constant' | 'cosine';

/**
 * When training stops by itself, and how the learning rates move towards that point. The
 * training worker counts (features/training/worker/budget-keeper.ts); none of these changes the
 * model, and each acts at once.
 */
export interface TrainingBudget {
  budgetUnit: BudgetUnit;
  /** Steps, epochs or minutes of training of the whole run (from step 0, pauses excluded). */
  budget: number;
  /** Auto-stop after this many test-ELBO measurements in a row without a better one; 0: off. */
  patience: number;
  lrSchedule: LrSchedule;
}

/** The training budget's settings: when training stops, counted by the training worker. */
export const BUDGET_SETTINGS = {
  budgetUnit: {
    kind: 'choice',
    url: 'budgetUnit',
    label: 'Stop after',
    noun: 'budget unit',
    choices: ['off', 'steps', 'epochs', 'minutes'] as readonly BudgetUnit[],
    options: {
      off: 'no budget: train until paused',
      steps: 'steps',
      epochs: 'epochs (passes over the training images)',
      minutes: 'minutes of training',
    },
    default: 'off',
    help: 'A training budget counted over the whole run from step 0 (pauses do not count): training stops by itself when it is spent',
    reason: 'A playground trains while it is watched; a budget is for a run left going.',
  } satisfies ChoiceRow<BudgetUnit>,
  budget: {
    kind: 'int',
    url: 'budget',
    label: 'Budget',
    min: 1,
    max: 10_000_000,
    default: 20,
    help: 'How many steps, epochs or minutes of training the budget allows',
    reason: '20 epochs (18,740 steps at batch 64) train the default model to good samples.',
  } satisfies IntRow,
  patience: {
    kind: 'int',
    url: 'patience',
    label: 'Auto-stop patience',
    min: 0,
    max: 1000,
    default: 0,
    help: 'Stop when the test ELBO of the quality panel has not improved for this many measurements in a row, keeping a checkpoint of the best; 0 turns auto-stop off',
    reason: 'Off: the quality measurements are small by default, and a stop should be asked for.',
  } satisfies IntRow,
  lrSchedule: {
    kind: 'choice',
    url: 'lrSchedule',
    label: 'Learning-rate schedule',
    noun: 'learning-rate schedule',
    choices: ['constant', 'cosine'] as readonly LrSchedule[],
    options: {
      constant: 'constant',
      cosine: 'cosine decay over the budget (to 1/20)',
    },
    default: 'constant',
    help: 'cosine: the three learning rates fall along half a cosine from their set values to a twentieth of them as the budget is spent; without a budget they stay constant',
    reason: 'The sliders then mean what they say; a decay needs a budget to aim at.',
  } satisfies ChoiceRow<LrSchedule>,
} as const;

/** The backend: changing it restarts the training worker. */
export const BACKEND_SETTING = {
  kind: 'choice',
  url: 'backend',
  label: 'Backend',
  noun: 'backend',
  choices: ['auto', ...BACKEND_NAMES] as readonly BackendRequest[],
  options: {
    auto: 'automatic',
    webgpu: 'WebGPU',
    webgl: 'WebGL',
    wasm: 'WebAssembly',
    cpu: 'CPU (plain JS)',
  },
  default: 'auto',
  help: 'Where the worker computes: automatic picks the fastest that is not a software GPU. Changing it restarts the worker',
  reason: 'A timed race picks the fastest backend of this device, passing over software GPUs.',
} satisfies ChoiceRow<BackendRequest>;

export type RunSettingKey = keyof typeof RUN_SETTINGS;
export type LiveSettingKey = keyof typeof LIVE_SETTINGS;
export type BudgetSettingKey = keyof typeof BUDGET_SETTINGS;
/** The numeric live settings: the loss weights and the learning rates. */
export type NumericLiveKey = {
  [K in LiveSettingKey]: (typeof LIVE_SETTINGS)[K]['kind'] extends 'number' ? K : never;
}[LiveSettingKey];

export const RUN_SETTING_KEYS = Object.keys(RUN_SETTINGS) as RunSettingKey[];
export const LIVE_SETTING_KEYS = Object.keys(LIVE_SETTINGS) as LiveSettingKey[];
export const BUDGET_SETTING_KEYS = Object.keys(BUDGET_SETTINGS) as BudgetSettingKey[];

/** Any setting of the table but the backend. */
export type SettingKey = RunSettingKey | LiveSettingKey | BudgetSettingKey;

const rowOf = (key: SettingKey): SettingRow =>
  key in RUN_SETTINGS
    ? RUN_SETTINGS[key as RunSettingKey]
    : key in LIVE_SETTINGS
      ? LIVE_SETTINGS[key as LiveSettingKey]
      : BUDGET_SETTINGS[key as BudgetSettingKey];

type DefaultsOf<T> = { -readonly [K in keyof T]: T[K] extends { default: infer D } ? D : never };
type SameKeys<A, B> = [keyof A] extends [keyof B]
  ? [keyof B] extends [keyof A]
    ? A
    : never
  : never;

/** The defaults of a group of rows, typed so that a row whose default does not fit fails to compile. */
function defaultsOf<T extends Record<string, SettingRow>>(rows: T): DefaultsOf<T> {
  return Object.fromEntries(
    Object.entries(rows).map(([k, row]) => [k, row.default]),
  ) as DefaultsOf<T>;
}

// SameKeys: a setting missing from the table, or a row with no field behind it, fails to compile.
export const DEFAULT_RUN_SETTINGS: RunSettings = defaultsOf(RUN_SETTINGS) satisfies SameKeys<
  DefaultsOf<typeof RUN_SETTINGS>,
  RunSettings
>;
export const DEFAULT_HYPERPARAMS: Hyperparams = defaultsOf(LIVE_SETTINGS) satisfies SameKeys<
  DefaultsOf<typeof LIVE_SETTINGS>,
  Hyperparams
>;
export const DEFAULT_BUDGET: TrainingBudget = defaultsOf(BUDGET_SETTINGS) satisfies SameKeys<
  DefaultsOf<typeof BUDGET_SETTINGS>,
  TrainingBudget
>;

/** A range for a numeric setting, e.g. RANGES.latentDim = { min: 2, max: 128 }. */
export function rangeOf(key: SettingKey): { min: number; max: number } {
  const row = rowOf(key);
  if (row.kind !== 'int' && row.kind !== 'number') throw new Error(`${key} has no range`);
  return { min: row.min, max: row.max };
}

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

/**
 * What is wrong with one value of a setting, in words for people ("latent size must be a whole
 * number from 2 to 128"), or null when it is valid.
 */
export function settingProblem(key: SettingKey, value: unknown): string | null {
  const row = rowOf(key);
  const name = row.kind === 'choice' ? row.noun : row.label.toLowerCase();
  switch (row.kind) {
    case 'int':
      return typeof value === 'number' &&
        Number.isInteger(value) &&
        value >= row.min &&
        value <= row.max
        ? null
        : `${name} must be a whole number from ${row.min} to ${row.max}`;
    case 'number':
      return typeof value === 'number' && value >= row.min && value <= row.max
        ? null
        : `${name} must be a number from ${row.min} to ${row.max}`;
    case 'choice':
      return (row.choices as readonly unknown[]).includes(value)
        ? null
        : `unknown ${name} ${JSON.stringify(value) ?? String(value)}`;
    case 'switch':
      return typeof value === 'boolean' ? null : `${key} must be true or false`;
  }
}

/** Problems with run settings, in words for the page (empty when valid). */
export function runSettingsProblems(s: RunSettings): string[] {
  return RUN_SETTING_KEYS.flatMap((k) => settingProblem(k, s[k]) ?? []);
}

/**
 * Brings hyperparameters into their allowed ranges; values of the wrong type and non-finite
 * numbers fall back to `base`. The worker applies this to what it restores, so no file can
 * inject NaN.
 */
export function sanitizeHyperparams(h: Partial<Hyperparams>, base: Hyperparams): Hyperparams {
  const out = { ...base } as Record<LiveSettingKey, unknown>;
  for (const key of LIVE_SETTING_KEYS) {
    const row: SettingRow = LIVE_SETTINGS[key];
    const v = (h as Record<string, unknown>)[key];
    if (row.kind === 'number') {
      if (typeof v === 'number' && Number.isFinite(v)) out[key] = clamp(v, row.min, row.max);
    } else if (row.kind === 'int') {
      if (typeof v === 'number' && Number.isFinite(v))
        out[key] = clamp(Math.round(v), row.min, row.max);
    } else if (settingProblem(key, v) === null) {
      out[key] = v;
    }
  }
  return out as unknown as Hyperparams;
}

/**
 * A training budget with every field valid: a field of the wrong type or out of range takes
 * `base`'s value. The worker applies this to a budget it restores from a file.
 */
export function sanitizeBudget(b: Partial<TrainingBudget>, base: TrainingBudget): TrainingBudget {
  const out = { ...base } as Record<BudgetSettingKey, unknown>;
  for (const key of BUDGET_SETTING_KEYS) {
    const v = (b as Record<string, unknown>)[key];
    if (settingProblem(key, v) === null) out[key] = v;
  }
  return out as unknown as TrainingBudget;
}

/** Every query parameter the settings own, in the order they are written. */
export const URL_PARAMS: readonly string[] = [
  ...RUN_SETTING_KEYS.map((k) => RUN_SETTINGS[k].url),
  ...LIVE_SETTING_KEYS.map((k) => LIVE_SETTINGS[k].url),
  ...BUDGET_SETTING_KEYS.map((k) => BUDGET_SETTINGS[k].url),
  BACKEND_SETTING.url,
];

/** Reads one setting from a URL query value; `problems` gets a line when it is ignored or clamped. */
export function readUrlValue(row: SettingRow, raw: string, problems: string[]): unknown {
  const name = row.url;
  switch (row.kind) {
    case 'choice':
    case 'switch': {
      const allowed = row.kind === 'choice' ? row.choices : row.urlValues;
      if (!allowed.includes(raw)) {
        problems.push(`Ignored ${name}=${raw}: use one of ${allowed.join(', ')}.`);
        return undefined;
      }
      return row.kind === 'switch' ? raw === row.urlValues[1] : raw;
    }
    case 'int':
    case 'number': {
      const integer = row.kind === 'int';
      const value = raw.trim() === '' ? Number.NaN : Number(raw);
      if (!Number.isFinite(value) || (integer && !Number.isInteger(value))) {
        problems.push(`Ignored ${name}=${raw}: not ${integer ? 'a whole number' : 'a number'}.`);
        return undefined;
      }
      if (value < row.min || value > row.max) {
        const clamped = clamp(value, row.min, row.max);
        problems.push(
          `${name}=${raw} is outside ${row.min} to ${row.max}; using ${clamped} instead.`,
        );
        return clamped;
      }
      return value;
    }
  }
}

/** Short, exact text for a number in a URL: 0.0002 rather than 0.00019999999999999998. */
const numberText = (v: number) => String(Number(v.toPrecision(6)));

/** A setting's value as URL query text. */
export function urlText(row: SettingRow, value: unknown): string {
  switch (row.kind) {
    case 'switch':
      return value ? row.urlValues[1] : row.urlValues[0];
    case 'number':
      return numberText(value as number);
    default:
      return String(value);
  }
}
