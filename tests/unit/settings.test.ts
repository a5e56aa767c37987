// The settings table (src/shared/settings.ts): every row is consistent with itself, and the
// URL, the worker's checks, the archive's checks and the defaults all follow from it.
import { describe, expect, it } from 'vitest';
import { readUrlState, writeUrlState } from '../../src/app/url-state';
import { checkHyperparams, checkSettings } from '../../src/features/training/worker/validate';
import {
  BACKEND_SETTING,
  BUDGET_SETTINGS,
  BUDGET_SETTING_KEYS,
  DEFAULT_BUDGET,
  DEFAULT_HYPERPARAMS,
  DEFAULT_RUN_SETTINGS,
  LIVE_SETTINGS,
  LIVE_SETTING_KEYS,
  RUN_SETTINGS,
  RUN_SETTING_KEYS,
  runSettingsProblems,
  sanitizeHyperparams,
  type SettingRow,
  settingProblem,
  URL_PARAMS,
} from '../../src/shared/settings';

const rows: [string, SettingRow][] = [
  ...RUN_SETTING_KEYS.map((k) => [k, RUN_SETTINGS[k]] as [string, SettingRow]),
  ...LIVE_SETTING_KEYS.map((k) => [k, LIVE_SETTINGS[k]] as [string, SettingRow]),
  ...BUDGET_SETTING_KEYS.map((k) => [k, BUDGET_SETTINGS[k]] as [string, SettingRow]),
  ['backend', BACKEND_SETTING],
];

/** A valid value of a row other than its default, to see it travel. */
function otherValue(row: SettingRow): unknown {
  switch (row.kind) {
    case 'int':
      return row.default === row.max ? row.min : row.max;
    case 'number':
      return row.default === row.max ? row.min : row.max / 4;
    case 'choice':
      return row.choices.find((c) => c !== row.default && c !== 'user');
    case 'switch':
      return !row.default;
  }
}

describe('the settings table', () => {
  it('has one URL name per row, words for people, and a valid default in each row', () => {
    expect(new Set(URL_PARAMS).size).toBe(rows.length);
    for (const [key, row] of rows) {
      expect(row.label.length, key).toBeGreaterThan(2);
      expect(row.help.length, key).toBeGreaterThan(20);
      expect(row.reason.length, key).toBeGreaterThan(20);
      if (key !== 'backend') {
        expect(settingProblem(key as never, row.default), key).toBeNull();
      }
      if (row.kind === 'choice') {
        expect(Object.keys(row.options).sort(), key).toEqual([...row.choices].sort());
        expect(row.choices, key).toContain(row.default);
      }
      if (row.kind === 'int' || row.kind === 'number') {
        expect(row.min, key).toBeLessThan(row.max);
      }
      if (row.kind === 'number') {
        expect(row.slider.min, key).toBeGreaterThan(0);
        expect(row.slider.min, key).toBeGreaterThanOrEqual(row.min);
        // A log slider that cannot reach 0 needs a range without 0 in it, and the other way round.
        expect(row.slider.allowZero, key).toBe(row.min === 0);
      }
    }
  });

  it('gives the defaults of the store and the worker', () => {
    expect(DEFAULT_RUN_SETTINGS).toEqual({
      dataset: 'mnist',
      architecture: 'mlp',
      variant: 'shared',
      latentDim: 16,
      hiddenUnits: 512,
      hiddenLayers: 1,
      batchSize: 64,
      seed: 1,
    });
    expect(DEFAULT_HYPERPARAMS).toMatchObject({ beta: 1, gamma: 0.1, lrVae: 1e-3, lrD: 2e-4 });
    expect(DEFAULT_BUDGET).toEqual({
      budgetUnit: 'off',
      budget: 20,
      patience: 0,
      lrSchedule: 'constant',
    });
    expect(runSettingsProblems(DEFAULT_RUN_SETTINGS)).toEqual([]);
  });

  it('writes every setting to the URL and reads it back, defaults and other values alike', () => {
    const settings = { ...DEFAULT_RUN_SETTINGS };
    const hyperparams = { ...DEFAULT_HYPERPARAMS };
    const budget = { ...DEFAULT_BUDGET };
    const run = { settings, hyperparams, budget, backend: BACKEND_SETTING.default };
    expect(readUrlState(writeUrlState(run))).toEqual({ ...run, problems: [] });
    for (const key of RUN_SETTING_KEYS) {
      (settings as Record<string, unknown>)[key] = otherValue(RUN_SETTINGS[key]);
    }
    for (const key of LIVE_SETTING_KEYS) {
      (hyperparams as Record<string, unknown>)[key] = otherValue(LIVE_SETTINGS[key]);
    }
    for (const key of BUDGET_SETTING_KEYS) {
      (budget as Record<string, unknown>)[key] = otherValue(BUDGET_SETTINGS[key]);
    }
    const other = { settings, hyperparams, budget, backend: 'wasm' as const };
    const search = writeUrlState(other);
    expect(new URLSearchParams(search).size).toBe(rows.length);
    expect(readUrlState(search)).toEqual({ ...other, problems: [] });
    expect(settings).not.toEqual(DEFAULT_RUN_SETTINGS);
  });

  it('refuses, in the worker and the URL alike, a value one past either end of a range', () => {
    for (const key of RUN_SETTING_KEYS) {
      const row: SettingRow = RUN_SETTINGS[key];
      if (row.kind !== 'int') continue;
      for (const bad of [row.min - 1, row.max + 1, row.min + 0.5]) {
        const settings = { ...DEFAULT_RUN_SETTINGS, [key]: bad };
        expect(runSettingsProblems(settings), `${key} = ${bad}`).toEqual([
          `${row.label.toLowerCase()} must be a whole number from ${row.min} to ${row.max}`,
        ]);
        expect(() => checkSettings(settings), `${key} = ${bad}`).toThrow(/must be a whole number/);
      }
      expect(readUrlState(`?${row.url}=${row.max + 1}`).problems).toEqual([
        `${row.url}=${row.max + 1} is outside ${row.min} to ${row.max}; using ${row.max} instead.`,
      ]);
    }
    for (const key of LIVE_SETTING_KEYS) {
      const row: SettingRow = LIVE_SETTINGS[key];
      if (row.kind !== 'number') continue;
      expect(checkHyperparams({ [key]: row.max })).toEqual({ [key]: row.max });
      expect(checkHyperparams({ [key]: row.min })).toEqual({ [key]: row.min });
      expect(() => checkHyperparams({ [key]: row.max * 2 + 1 }), key).toThrow(/outside its range/);
      expect(sanitizeHyperparams({ [key]: row.max * 2 + 1 }, DEFAULT_HYPERPARAMS)[key]).toBe(
        row.max,
      );
      expect(sanitizeHyperparams({ [key]: Number.NaN }, DEFAULT_HYPERPARAMS)[key]).toBe(
        row.default,
      );
    }
  });

  it('refuses unknown choices and switches of the wrong type, naming the choices', () => {
    for (const key of LIVE_SETTING_KEYS) {
      const row: SettingRow = LIVE_SETTINGS[key];
      if (row.kind === 'choice') {
        expect(() => checkHyperparams({ [key]: 'nonsense' })).toThrow(
          `Unknown ${row.noun} "nonsense": use ${row.choices.join(', ')}.`,
        );
        expect(sanitizeHyperparams({ [key]: 'nonsense' } as never, DEFAULT_HYPERPARAMS)[key]).toBe(
          row.default,
        );
      }
      if (row.kind === 'switch') {
        expect(() => checkHyperparams({ [key]: 1 })).toThrow(`${key} must be true or false`);
        expect(readUrlState(`?${row.url}=maybe`).problems).toEqual([
          `Ignored ${row.url}=maybe: use one of ${row.urlValues.join(', ')}.`,
        ]);
      }
    }
  });
});
