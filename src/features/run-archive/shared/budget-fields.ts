/**
 * The training budget and auto-stop's state as a run file records them (the zip's manifest and
 * the `.safetensors` metadata alike), checked field by field. No tfjs.
 */
import {
  BUDGET_SETTING_KEYS,
  DEFAULT_BUDGET,
  sanitizeBudget,
  settingProblem,
  type TrainingBudget,
} from '../../../shared/settings';
import type { AutoStopState } from '../../training/shared/budget';
import { refuse } from './format';

const isObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

/** The manifest's training budget: each bad field is refused by name. */
export function readBudget(value: unknown): TrainingBudget | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) return refuse('bad-manifest', 'manifest.json: "budget" is malformed.');
  const problems = BUDGET_SETTING_KEYS.flatMap((k) => settingProblem(k, value[k]) ?? []);
  if (problems.length > 0) {
    refuse('bad-manifest', `manifest.json has an invalid budget: ${problems.join('; ')}.`);
  }
  return sanitizeBudget(value as Partial<TrainingBudget>, DEFAULT_BUDGET);
}

/** Auto-stop's state: steps within the run's, a finite best ELBO on a valid basis. */
export function readAutoStop(value: unknown, step: number): AutoStopState | undefined {
  if (value === undefined) return undefined;
  const whole = (v: unknown, min: number) => Number.isSafeInteger(v) && (v as number) >= min;
  const best = isObject(value) ? value.best : undefined;
  const bestOk =
    best === null ||
    (isObject(best) &&
      whole(best.step, 0) &&
      (best.step as number) <= step &&
      typeof best.elbo === 'number' &&
      Number.isFinite(best.elbo) &&
      isObject(best.basis) &&
      whole(best.basis.images, 1) &&
      whole(best.basis.k, 1));
  if (
    !isObject(value) ||
    !bestOk ||
    !whole(value.sinceBest, 0) ||
    !whole(value.lastStep, -1) ||
    (value.lastStep as number) > step
  ) {
    return refuse('bad-manifest', "manifest.json: auto-stop's state is malformed.");
  }
  const b = best as AutoStopState['best'];
  return {
    best: b
      ? { step: b.step, elbo: b.elbo, basis: { images: b.basis.images, k: b.basis.k } }
      : null,
    sinceBest: value.sinceBest as number,
    lastStep: value.lastStep as number,
  };
}
