/**
 * Every setting of a run in the page's URL query, so a link reproduces the run, e.g.
 * `?dataset=mnist&arch=mlp&variant=shared&latent=16&hidden=512&batch=64&seed=1&beta=1&gamma=0.1
 *  &lrVae=0.001&lrD=0.0002&lrG=0.0002&adv=non-saturating&rec=pixel&dBatches=3&gate=0&gan=0
 *  &klWarmup=0&freeBits=0&budgetUnit=off&budget=20&patience=0&lrSchedule=constant&backend=auto`.
 * Reading never fails: a malformed value is ignored and an out-of-range one clamped, each with a
 * line in `problems` for the page to show. Pure functions: no store, no window.
 */
import {
  BACKEND_SETTING,
  type BackendRequest,
  BUDGET_SETTINGS,
  BUDGET_SETTING_KEYS,
  type Hyperparams,
  LIVE_SETTINGS,
  LIVE_SETTING_KEYS,
  readUrlValue,
  RUN_SETTINGS,
  RUN_SETTING_KEYS,
  type RunSettings,
  type SettingRow,
  type TrainingBudget,
  URL_PARAMS,
  urlText,
} from '../shared/settings';

export { URL_PARAMS };

export interface UrlState {
  backend?: BackendRequest;
  /** Run settings found in the URL (applied to the form; a new model is built with them). */
  settings: Partial<RunSettings>;
  /** Loss weights and learning rates found in the URL. */
  hyperparams: Partial<Hyperparams>;
  /** The training budget's settings found in the URL. */
  budget: Partial<TrainingBudget>;
  /** One line per ignored or clamped parameter. */
  problems: string[];
}

/**
 * Parses the query of a URL (`location.search`): every setting of the settings table, the
 * backend first, each read by its row's kind and checked against its range or choices.
 */
export function readUrlState(search: string): UrlState {
  const params = new URLSearchParams(search);
  const problems: string[] = [];
  const state: UrlState = { settings: {}, hyperparams: {}, budget: {}, problems };
  const read = (row: SettingRow) => {
    const raw = params.get(row.url);
    return raw === null ? undefined : readUrlValue(row, raw, problems);
  };
  const backend = read(BACKEND_SETTING);
  if (backend !== undefined) state.backend = backend as BackendRequest;
  for (const key of RUN_SETTING_KEYS) {
    const value = read(RUN_SETTINGS[key]);
    if (key === 'dataset' && value === 'user') {
      // Not a silent fall-back: the page says so, and the form stays on a set it can load.
      problems.push(
        'dataset=user names images from your own computer, which a link cannot carry: ' +
          'drop the folder or zip under "Your own images" to train on them.',
      );
    } else if (value !== undefined) {
      (state.settings as Record<string, unknown>)[key] = value;
    }
  }
  for (const key of LIVE_SETTING_KEYS) {
    const value = read(LIVE_SETTINGS[key]);
    if (value !== undefined) (state.hyperparams as Record<string, unknown>)[key] = value;
  }
  for (const key of BUDGET_SETTING_KEYS) {
    const value = read(BUDGET_SETTINGS[key]);
    if (value !== undefined) (state.budget as Record<string, unknown>)[key] = value;
  }
  return state;
}

/**
 * The query for a run (with a leading "?"); parameters of other features in `current` are
 * kept, in their place.
 */
export function writeUrlState(
  run: {
    settings: RunSettings;
    hyperparams: Hyperparams;
    budget: TrainingBudget;
    backend: BackendRequest;
  },
  current = '',
): string {
  const params = new URLSearchParams(current);
  for (const name of URL_PARAMS) params.delete(name);
  for (const key of RUN_SETTING_KEYS) {
    params.set(RUN_SETTINGS[key].url, urlText(RUN_SETTINGS[key], run.settings[key]));
  }
  for (const key of LIVE_SETTING_KEYS) {
    params.set(LIVE_SETTINGS[key].url, urlText(LIVE_SETTINGS[key], run.hyperparams[key]));
  }
  for (const key of BUDGET_SETTING_KEYS) {
    params.set(BUDGET_SETTINGS[key].url, urlText(BUDGET_SETTINGS[key], run.budget[key]));
  }
  params.set(BACKEND_SETTING.url, run.backend);
  return `?${params.toString()}`;
}
