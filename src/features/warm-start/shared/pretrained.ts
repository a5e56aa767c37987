/**
 * The runs shipped with the app for "Start from a trained model": public/pretrained/manifest.json
 * lists one per built-in data set, each a `.safetensors` run (float16 weights, no optimiser
 * moments) written by scripts/train-pretrained.ts with a record of how it was trained. Types
 * and the manifest's checks; no tfjs, no DOM.
 */
import type { TrainedRecord } from '../../run-archive/shared/torch-run';
import type { RunSettings } from '../../training/shared/protocol';
import { DATASET_IDS, type BuiltinDatasetId, runSettingsProblems } from '../../../shared/settings';

export const PRETRAINED_FORMAT_VERSION = 1;

export interface PretrainedEntry {
  dataset: BuiltinDatasetId;
  /** The run's file, beside the manifest. */
  file: string;
  bytes: number;
  settings: RunSettings;
  trained: TrainedRecord;
}

export interface PretrainedManifest {
  formatVersion: number;
  runs: PretrainedEntry[];
}

const isObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

/** Checks a manifest read from the network; throws a message for people when it will not do. */
export function parsePretrainedManifest(json: unknown): PretrainedManifest {
  if (
    !isObject(json) ||
    json.formatVersion !== PRETRAINED_FORMAT_VERSION ||
    !Array.isArray(json.runs)
  ) {
    throw new Error(
      'the list of trained models (pretrained/manifest.json) is not one this app reads',
    );
  }
  const runs = json.runs.filter(
    (r): r is PretrainedEntry =>
      isObject(r) &&
      DATASET_IDS.includes(r.dataset as BuiltinDatasetId) &&
      typeof r.file === 'string' &&
      /^[\w.-]+\.safetensors$/.test(r.file) &&
      Number.isSafeInteger(r.bytes) &&
      isObject(r.settings) &&
      runSettingsProblems(r.settings as unknown as RunSettings).length === 0 &&
      isObject(r.trained) &&
      Number.isSafeInteger(r.trained.steps),
  );
  return { formatVersion: PRETRAINED_FORMAT_VERSION, runs };
}

/** How a shipped run was trained, in one line for the page. */
export function trainedText(entry: PretrainedEntry): string {
  const t = entry.trained;
  const minutes = Math.round(t.trainingSeconds / 60);
  const f = t.figures;
  const parts = [
    `${t.steps.toLocaleString('en-US')} steps (${t.epochs} epochs, ${minutes} min on ${t.machine.split(',')[0]})`,
  ];
  if (typeof f.testElbo === 'number') parts.push(`test ELBO ${f.testElbo.toFixed(2)} nats`);
  if (typeof f.testNll === 'number') parts.push(`NLL ${f.testNll.toFixed(2)} nats`);
  if (typeof f.fcd === 'number') parts.push(`FCD ${f.fcd.toFixed(1)}`);
  if (t.omitted?.includes('discriminator')) parts.push('the discriminator starts afresh');
  return `${parts.join(', ')}; by ${t.script} on ${t.date}`;
}
