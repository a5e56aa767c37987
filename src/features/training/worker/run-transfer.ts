/**
 * Runs in and out of the trainer: the whole run as a zip (exportRun, checkpoints), and a zip
 * turned back into a model with its data set, ready to be adopted. Everything is checked, and
 * the data set loaded, before the trainer's running model is touched: a bad file throws with a
 * message for people and training goes on as before.
 */
import type { Hyperparams } from '../../../shared/config';
import type { TrainingBudget } from '../../../shared/settings';
import type { AutoStopState } from '../shared/budget';
import type { BuiltinDatasetId, Dataset } from '../../../shared/dataset';
import type { VaeGan } from '../../../model/vaegan';
import type { RunManifest, UserDatasetRef } from '../../run-archive/shared/format';
import { parseRunFile } from '../../run-archive/shared/run-file';
import { parseRunArchive } from '../../run-archive/shared/parse';
import { runToTorch } from '../../run-archive/shared/torch-run';
import { refuse } from '../../run-archive/shared/format';
import { disposeSnapshot, encodeRun, snapshotRun } from '../../run-archive/worker/encode';
import { restoreRun } from '../../run-archive/worker/restore';
import type { MetricsPoint, RunSettings } from '../shared/protocol';
import type { SnapshotMeta } from './good-copies';

/**
 * A model and everything it arrives with: what the trainer adopts, whether the model is built
 * fresh (configure, reset), read from a zip (import) or rebuilt after a lost device.
 */
export interface Arrival {
  model: VaeGan;
  settings: RunSettings;
  dataset: Dataset;
  hyperparams: Hyperparams;
  /** Steps the model has taken; the batch order skips as many batches. */
  step: number;
  trainingMs: number;
  history: MetricsPoint[];
  /** A restored run's budget and auto-stop state; a fresh model keeps the budget in force. */
  budget?: TrainingBudget;
  autoStop?: AutoStopState;
}

/** The data sets an imported run may need: the one in use, the user's, or one to load. */
export interface AvailableData {
  current: Dataset | undefined;
  user: Dataset | undefined;
  load(id: BuiltinDatasetId): Promise<Dataset>;
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * The run as a zip (networks in Layers format, optimiser state, curves, manifest). The state is
 * copied in one synchronous pass, so training may go on while it is encoded.
 */
export async function exportRunZip(
  model: VaeGan,
  meta: SnapshotMeta,
): Promise<{ bytes: Uint8Array; manifest: RunManifest }> {
  const snapshot = snapshotRun(model, meta);
  try {
    return await encodeRun(snapshot);
  } finally {
    disposeSnapshot(snapshot);
  }
}

/**
 * The run zip as one `.safetensors` file in PyTorch's layout (run-archive/shared/torch-run.ts),
 * everything included: weights, Adam's moments, the curves and the sample grid's noise.
 */
export function torchFileOf(zip: Uint8Array, sampleNoise: Float32Array | undefined): Uint8Array {
  return runToTorch(parseRunArchive(zip), {
    precision: 'F32',
    optimizers: true,
    history: true,
    ...(sampleNoise ? { sampleNoise } : {}),
  });
}

/**
 * Reads a run zip made by exportRunZip, or a run `.safetensors` file (from the app or from
 * python/vaegan.py), into a model and the data set it was trained on. Throws with a
 * message for people (and leaves nothing behind) when the file or its data set will not do.
 */
export async function readRunZip(
  bytes: Uint8Array,
  data: AvailableData,
): Promise<{ arrival: Arrival; manifest: RunManifest }> {
  const parsed = parseRunFile(bytes);
  if (parsed.convFilters) {
    refuse(
      'model-mismatch',
      `This run's conv networks have ${parsed.convFilters.join(' and ')} filters; the app builds 32 and 64.`,
    );
  }
  const model = restoreRun(parsed);
  const { settings } = parsed;
  let dataset = data.current;
  try {
    if (settings.dataset === 'user') {
      dataset = matchingUserDataset(parsed.manifest.userDataset!, data.user);
    } else if (dataset?.info.id !== settings.dataset) {
      dataset = await data.load(settings.dataset);
    }
  } catch (error) {
    model.dispose();
    throw new Error(`Could not load the data set of the imported run: ${errorText(error)}`, {
      cause: error,
    });
  }
  const { manifest } = parsed;
  return {
    arrival: {
      model,
      settings: { ...settings },
      dataset: dataset!,
      hyperparams: { ...parsed.hyperparams },
      step: manifest.step,
      trainingMs: Number.isFinite(manifest.trainingMs) ? manifest.trainingMs : 0,
      history: parsed.history,
      ...(parsed.budget ? { budget: parsed.budget } : {}),
      ...(parsed.autoStop ? { autoStop: parsed.autoStop } : {}),
    },
    manifest,
  };
}

/**
 * The loaded user set a saved run was trained on; throws a message asking for the images
 * when another set (or none) is loaded: a user set cannot be fetched, and another set must
 * not stand in for it silently.
 */
export function matchingUserDataset(ref: UserDatasetRef, loaded: Dataset | undefined): Dataset {
  if (loaded?.info.fingerprint === ref.fingerprint) return loaded;
  const what =
    `"${ref.name}" (${ref.trainCount + ref.testCount} images, ` +
    `${ref.classes.length} class${ref.classes.length === 1 ? '' : 'es'})`;
  throw new Error(
    loaded
      ? `This run was trained on your images ${what}, but the images loaded now are another set ("${loaded.info.name}"). Load the same folder or zip under "Your own images", then restore again.`
      : `This run was trained on your images ${what}, which are not stored with it. Load the same folder or zip under "Your own images", then restore again.`,
  );
}
