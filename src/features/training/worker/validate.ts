/**
 * Checks on every argument that reaches the trainer through its API: the page is trusted to
 * be well-behaved, but the API must not depend on it. A bad argument is refused with a
 * TrainerInputError (its code says which kind) and nothing in the trainer changes. Also the
 * rules run settings must meet, in words for the page (validateSettings, convBackendProblem):
 * the settings table's (src/shared/settings.ts), plus what the running backend can train.
 */
import { TrainerInputError } from '../../../shared/errors';
import {
  BACKEND_SETTING,
  type BackendRequest,
  type BuiltinDatasetId,
  DATASET_IDS,
  BUDGET_SETTINGS,
  type BudgetSettingKey,
  type Hyperparams,
  LIVE_SETTINGS,
  type LiveSettingKey,
  RUN_SETTINGS,
  RUN_SETTING_KEYS,
  runSettingsProblems,
  type RunSettings,
  type SettingRow,
  settingProblem,
  type TrainingBudget,
} from '../../../shared/settings';
import type { ElboMeasurement } from '../shared/budget';
import type { BackendInfo } from '../shared/protocol';

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

const BACKEND_REQUESTS: readonly BackendRequest[] = BACKEND_SETTING.choices;

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
  if (
    request.prefetch !== undefined &&
    !DATASET_IDS.includes(request.prefetch as BuiltinDatasetId)
  ) {
    throw new TrainerInputError(
      'bad-argument',
      `prefetch must be one of ${DATASET_IDS.join(', ')}, not ${describe(request.prefetch)}.`,
    );
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

/** The JavaScript type of a setting's values, from its row of the settings table. */
const typeOf = (row: SettingRow) =>
  row.kind === 'choice' ? 'string' : row.kind === 'switch' ? 'boolean' : 'number';

/** configure's settings: every field present, of its type, and in range. */
export function checkSettings(settings: unknown): RunSettings {
  if (!isRecord(settings)) {
    throw new TrainerInputError(
      'bad-argument',
      `Run settings must be an object, not ${describe(settings)}.`,
    );
  }
  for (const key of Object.keys(settings)) {
    if (!(key in RUN_SETTINGS)) {
      throw new TrainerInputError('bad-argument', `Unknown run setting ${describe(key)}.`);
    }
  }
  for (const key of RUN_SETTING_KEYS) {
    const type = typeOf(RUN_SETTINGS[key]);
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

/**
 * setHyperparams' patch: known keys only, each of its kind and, for numbers, finite and inside
 * its range. A value within a rounding error of an end (a log slider's 10^log10(0.1)) is taken
 * as that end.
 */
export function checkHyperparams(patch: unknown): Partial<Hyperparams> {
  if (!isRecord(patch)) {
    throw new TrainerInputError(
      'bad-argument',
      `Hyperparameters must be an object, not ${describe(patch)}.`,
    );
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(patch)) {
    if (!(key in LIVE_SETTINGS)) {
      throw new TrainerInputError('bad-argument', `Unknown hyperparameter ${describe(key)}.`);
    }
    const row: SettingRow = LIVE_SETTINGS[key as LiveSettingKey];
    switch (row.kind) {
      case 'choice':
        if (!row.choices.includes(value as string)) {
          throw new TrainerInputError(
            'bad-argument',
            `Unknown ${row.noun} ${describe(value)}: use ${row.choices.join(', ')}.`,
          );
        }
        out[key] = value;
        break;
      case 'switch':
        if (typeof value !== 'boolean') {
          throw new TrainerInputError(
            'bad-argument',
            `${key} must be true or false, not ${describe(value)}.`,
          );
        }
        out[key] = value;
        break;
      default: {
        if (typeof value !== 'number' || !Number.isFinite(value)) {
          throw new TrainerInputError(
            'bad-argument',
            `${key} must be a finite number, not ${describe(value)}.`,
          );
        }
        if (row.kind === 'int' && !Number.isInteger(value)) {
          throw new TrainerInputError(
            'bad-argument',
            `${key} must be a whole number, not ${describe(value)}.`,
          );
        }
        const slack = 1e-9 * Math.max(Math.abs(row.min), Math.abs(row.max));
        if (value < row.min - slack || value > row.max + slack) {
          throw new TrainerInputError(
            'out-of-range',
            `${key} = ${value} is outside its range, ${row.min} to ${row.max}; nothing was changed.`,
          );
        }
        out[key] = Math.min(row.max, Math.max(row.min, value));
      }
    }
  }
  return out as Partial<Hyperparams>;
}

/** setBudget's patch: known keys only, each valid by its row of the settings table. */
export function checkBudget(patch: unknown): Partial<TrainingBudget> {
  if (!isRecord(patch)) {
    throw new TrainerInputError(
      'bad-argument',
      `A budget must be an object, not ${describe(patch)}.`,
    );
  }
  for (const [key, value] of Object.entries(patch)) {
    if (!(key in BUDGET_SETTINGS)) {
      throw new TrainerInputError('bad-argument', `Unknown budget setting ${describe(key)}.`);
    }
    const problem = settingProblem(key as BudgetSettingKey, value);
    if (problem) {
      // A whole number outside the range is out of range; anything else is not a budget.
      throw new TrainerInputError(
        Number.isSafeInteger(value) ? 'out-of-range' : 'bad-argument',
        `${problem[0]!.toUpperCase()}${problem.slice(1)}; nothing was changed.`,
      );
    }
  }
  return { ...(patch as Partial<TrainingBudget>) };
}

/**
 * measured's report: a model id, a finite ELBO of a step on a valid basis, and the tab's run id
 * (the best checkpoint belongs to that run).
 */
export function checkMeasurement(
  modelId: unknown,
  m: unknown,
  runId: unknown,
): { modelId: number; measurement: ElboMeasurement; runId: string } {
  const whole = (v: unknown, min: number) => Number.isSafeInteger(v) && (v as number) >= min;
  const basis = isRecord(m) ? m.basis : undefined;
  if (
    !whole(modelId, 0) ||
    !isRecord(m) ||
    !whole(m.step, 0) ||
    typeof m.elbo !== 'number' ||
    !Number.isFinite(m.elbo) ||
    !isRecord(basis) ||
    !whole(basis.images, 1) ||
    !whole(basis.k, 1) ||
    typeof runId !== 'string' ||
    runId.length === 0 ||
    runId.length > 100
  ) {
    throw new TrainerInputError(
      'bad-argument',
      'A measurement needs a model id, a step, a finite ELBO, its basis (images and k, whole numbers) and the run id.',
    );
  }
  return {
    runId,
    modelId: modelId as number,
    measurement: {
      step: m.step as number,
      elbo: m.elbo,
      basis: { images: basis.images as number, k: basis.k as number },
    },
  };
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

/** Most checkpoints one run may keep: the panel offers 1 to 20. */
const MAX_KEEP = 1000;
/** A thumbnail is a small PNG data URL (72 pixels wide): a few kilobytes. */
const MAX_THUMBNAIL_CHARS = 1_000_000;

/**
 * saveCheckpoint's arguments: the record's fields the page gives (its run, time, settings,
 * thumbnail) and how many of the run's checkpoints to keep, a whole number of at least 1
 * (NaN or 0 would delete them all).
 */
export function checkCheckpointRequest(meta: unknown, keep: unknown): void {
  if (!Number.isSafeInteger(keep) || (keep as number) < 1 || (keep as number) > MAX_KEEP) {
    throw new TrainerInputError(
      typeof keep === 'number' ? 'out-of-range' : 'bad-argument',
      `keep must be a whole number from 1 to ${MAX_KEEP}, not ${describe(keep)}; nothing was saved or deleted.`,
    );
  }
  const m = meta as Record<string, unknown> | null;
  const ok =
    typeof m === 'object' &&
    m !== null &&
    typeof m.runId === 'string' &&
    m.runId.length > 0 &&
    m.runId.length <= 100 &&
    typeof m.savedAt === 'number' &&
    Number.isFinite(m.savedAt) &&
    typeof m.thumbnail === 'string' &&
    m.thumbnail.length <= MAX_THUMBNAIL_CHARS &&
    (m.thumbnail === '' || m.thumbnail.startsWith('data:image/png;base64,'));
  if (!ok) {
    throw new TrainerInputError(
      'bad-argument',
      'A checkpoint record needs its runId, savedAt (milliseconds) and a PNG thumbnail (or none).',
    );
  }
  checkSettings(m.settings);
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
  return runSettingsProblems(s);
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
