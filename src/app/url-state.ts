/**
 * Every setting of a run in the page's URL query, so a link reproduces the run, e.g.
 * `?dataset=mnist&arch=mlp&variant=shared&latent=16&hidden=512&batch=64&seed=1&beta=1&gamma=0.1
 *  &lrVae=0.001&lrD=0.0002&lrG=0.0002&adv=non-saturating&rec=pixel&dBatches=3&gate=0&gan=0
 *  &backend=auto`.
 * Reading never fails: a malformed value is ignored and an out-of-range one clamped, each with a
 * line in `problems` for the page to show. Pure functions: no store, no window.
 */
import {
  type AdversarialForm,
  ARCHITECTURES,
  RECONSTRUCTION_LOSSES,
  BETA_RANGE,
  GAMMA_RANGE,
  HIDDEN_UNITS_RANGE,
  type Hyperparams,
  LATENT_DIM_RANGE,
  LEARNING_RATE_RANGE,
  type Variant,
} from '../shared/config';
import {
  BACKEND_NAMES,
  BATCH_SIZE_RANGE,
  type BackendRequest,
  type RunSettings,
} from '../features/training/shared/protocol';
import { DATASET_IDS, type DatasetId } from '../shared/dataset';

export interface UrlState {
  backend?: BackendRequest;
  /** Run settings found in the URL (applied to the form; a new model is built with them). */
  settings: Partial<RunSettings>;
  /** Loss weights and learning rates found in the URL. */
  hyperparams: Partial<Hyperparams>;
  /** One line per ignored or clamped parameter. */
  problems: string[];
}

export const SEED_RANGE = { min: 0, max: 2 ** 31 - 1 } as const;
const VARIANTS: readonly Variant[] = ['shared', 'separate'];
const ADVERSARIAL_FORMS: readonly AdversarialForm[] = ['non-saturating', 'minimax'];
const BACKENDS: readonly BackendRequest[] = ['auto', ...BACKEND_NAMES];

type IntKey = 'latentDim' | 'hiddenUnits' | 'batchSize' | 'seed';
type FloatKey = 'beta' | 'gamma' | 'lrVae' | 'lrD' | 'lrG';

/** Query parameter names, in the order they are written. */
const INT_PARAMS: [string, IntKey, { min: number; max: number }][] = [
  ['latent', 'latentDim', LATENT_DIM_RANGE],
  ['hidden', 'hiddenUnits', HIDDEN_UNITS_RANGE],
  ['batch', 'batchSize', BATCH_SIZE_RANGE],
  ['seed', 'seed', SEED_RANGE],
];
const FLOAT_PARAMS: [string, FloatKey, { min: number; max: number }][] = [
  ['beta', 'beta', BETA_RANGE],
  ['gamma', 'gamma', GAMMA_RANGE],
  ['lrVae', 'lrVae', LEARNING_RATE_RANGE],
  ['lrD', 'lrD', LEARNING_RATE_RANGE],
  ['lrG', 'lrG', LEARNING_RATE_RANGE],
];

/** Every parameter this file owns; others in the URL are left alone. */
export const URL_PARAMS = [
  'dataset',
  'arch',
  'variant',
  ...INT_PARAMS.map(([p]) => p),
  ...FLOAT_PARAMS.map(([p]) => p),
  'adv',
  'rec',
  'dBatches',
  'gate',
  'gan',
  'backend',
] as const;

/** On/off switches of the objective, written as 0 or 1 (dBatches as 3 or 2). */
const SWITCHES: [string, 'reconstructionsInD' | 'equilibriumGate' | 'ganOnly', [string, string]][] =
  [
    ['dBatches', 'reconstructionsInD', ['2', '3']],
    ['gate', 'equilibriumGate', ['0', '1']],
    ['gan', 'ganOnly', ['0', '1']],
  ];

function oneOf<T extends string>(
  params: URLSearchParams,
  name: string,
  allowed: readonly T[],
  problems: string[],
): T | undefined {
  const raw = params.get(name);
  if (raw === null) return undefined;
  if ((allowed as readonly string[]).includes(raw)) return raw as T;
  problems.push(`Ignored ${name}=${raw}: use one of ${allowed.join(', ')}.`);
  return undefined;
}

function numberParam(
  params: URLSearchParams,
  name: string,
  range: { min: number; max: number },
  integer: boolean,
  problems: string[],
): number | undefined {
  const raw = params.get(name);
  if (raw === null) return undefined;
  const value = raw.trim() === '' ? Number.NaN : Number(raw);
  if (!Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    problems.push(`Ignored ${name}=${raw}: not ${integer ? 'a whole number' : 'a number'}.`);
    return undefined;
  }
  if (value < range.min || value > range.max) {
    const clamped = Math.min(range.max, Math.max(range.min, value));
    problems.push(
      `${name}=${raw} is outside ${range.min} to ${range.max}; using ${clamped} instead.`,
    );
    return clamped;
  }
  return value;
}

/** Parses the query of a URL (`location.search`). */
export function readUrlState(search: string): UrlState {
  const params = new URLSearchParams(search);
  const problems: string[] = [];
  const state: UrlState = { settings: {}, hyperparams: {}, problems };
  const backend = oneOf(params, 'backend', BACKENDS, problems);
  if (backend) state.backend = backend;
  const dataset = oneOf<DatasetId>(params, 'dataset', [...DATASET_IDS, 'user'], problems);
  if (dataset === 'user') {
    // Not a silent fall-back: the page says so, and the form stays on a set it can load.
    problems.push(
      'dataset=user names images from your own computer, which a link cannot carry: ' +
        'drop the folder or zip under "Your own images" to train on them.',
    );
  } else if (dataset) state.settings.dataset = dataset;
  const architecture = oneOf(params, 'arch', ARCHITECTURES, problems);
  if (architecture) state.settings.architecture = architecture;
  const variant = oneOf(params, 'variant', VARIANTS, problems);
  if (variant) state.settings.variant = variant;
  for (const [name, key, range] of INT_PARAMS) {
    const v = numberParam(params, name, range, true, problems);
    if (v !== undefined) state.settings[key] = v;
  }
  for (const [name, key, range] of FLOAT_PARAMS) {
    const v = numberParam(params, name, range, false, problems);
    if (v !== undefined) state.hyperparams[key] = v;
  }
  const adv = oneOf(params, 'adv', ADVERSARIAL_FORMS, problems);
  if (adv) state.hyperparams.adversarialForm = adv;
  const rec = oneOf(params, 'rec', RECONSTRUCTION_LOSSES, problems);
  if (rec) state.hyperparams.reconstructionLoss = rec;
  for (const [name, key, [off, on]] of SWITCHES) {
    const v = oneOf(params, name, [off, on], problems);
    if (v !== undefined) state.hyperparams[key] = v === on;
  }
  return state;
}

/** Short, exact text for a number in a URL: 0.0002 rather than 0.00019999999999999998. */
const numberText = (v: number) => String(Number(v.toPrecision(6)));

/**
 * The query for a run (with a leading "?"); parameters of other features in `current` are
 * kept, in their place.
 */
export function writeUrlState(
  run: {
    settings: RunSettings;
    hyperparams: Hyperparams;
    backend: BackendRequest;
  },
  current = '',
): string {
  const params = new URLSearchParams(current);
  for (const name of URL_PARAMS) params.delete(name);
  const { settings: s, hyperparams: h } = run;
  params.set('dataset', s.dataset);
  params.set('arch', s.architecture);
  params.set('variant', s.variant);
  for (const [name, key] of INT_PARAMS) params.set(name, String(s[key]));
  for (const [name, key] of FLOAT_PARAMS) params.set(name, numberText(h[key]));
  params.set('adv', h.adversarialForm);
  params.set('rec', h.reconstructionLoss);
  for (const [name, key, [off, on]] of SWITCHES) params.set(name, h[key] ? on : off);
  params.set('backend', run.backend);
  return `?${params.toString()}`;
}
