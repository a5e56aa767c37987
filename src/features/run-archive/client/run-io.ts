/**
 * Moving runs and results in and out of the page: the weights zip (made and checked by the
 * worker), curve CSV and picture PNGs. The page only moves bytes; it never parses weights.
 */
import * as Comlink from 'comlink';
import type { ImagesUpdate } from '../../training/shared/protocol';
import { stopComparison } from '../../quality/client/comparison-client';
import { CHART_KEYS, type MetricsSeries } from '../../training/client/metrics-series';
import { useExplorerStore } from '../../explorer/client/explorer-store';
import { useAppStore } from '../../../app/store';
import { callTrainer, trainerRunning } from '../../training/client/trainer-client';
import { MAX_RUN_BYTES, mebibytes } from '../shared/limits';

export type GridKey = Exclude<keyof ImagesUpdate, 'step' | 'sampleScores'>;

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Saves bytes as a file through the browser's download. */
export function downloadBlob(blob: Blob, filename: string) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  // Revoked later: the download reads the blob after this handler returns.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export const formatBytes = (n: number) =>
  n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${Math.max(1, Math.round(n / 1e3))} kB`;

/** A file name that says which run it is, e.g. "vaegan-mnist-shared-z16-step1200". */
export function runFileStem(): string {
  const { running, requested, step } = useAppStore.getState();
  const s = running ?? requested;
  return `vaegan-${s.dataset}-${s.variant}-z${s.latentDim}-h${s.hiddenUnits}-step${step}`;
}

/** Downloads the running model as one zip (networks, optimiser state, curves, manifest). */
export async function exportWeights(): Promise<void> {
  const store = useAppStore.getState();
  if (!trainerRunning()) {
    store.addNotice('error', 'Nothing to export: the trainer is not running.');
    return;
  }
  try {
    // Settles even if the worker is restarted meanwhile, so the panel's busy flag is cleared.
    const { bytes, manifest } = await callTrainer((api) => api.exportRun());
    const name = `vaegan-${manifest.dataset}-${manifest.variant}-z${manifest.latentDim}-h${manifest.hiddenUnits}-step${manifest.step}.zip`;
    downloadBlob(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/zip' }), name);
    store.addNotice('info', `Exported ${name} (${formatBytes(bytes.byteLength)}).`);
  } catch (error) {
    store.addNotice('error', `Export failed: ${errorText(error)}`);
  }
}

/**
 * Downloads the running model as one `.safetensors` file in PyTorch's names and layouts
 * (every network, Adam's moments, the curves, the settings, the sample grid's noise), for
 * python/vaegan.py.
 */
export async function exportForPyTorch(): Promise<void> {
  const store = useAppStore.getState();
  if (!trainerRunning()) {
    store.addNotice('error', 'Nothing to export: the trainer is not running.');
    return;
  }
  try {
    const { bytes, manifest } = await callTrainer((api) => api.exportTorch());
    const name = `vaegan-${manifest.dataset}-${manifest.variant}-z${manifest.latentDim}-h${manifest.hiddenUnits}-step${manifest.step}.safetensors`;
    downloadBlob(
      new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }),
      name,
    );
    store.addNotice(
      'info',
      `Exported ${name} (${formatBytes(bytes.byteLength)}) for PyTorch: python3 python/vaegan.py info ${name}`,
    );
  } catch (error) {
    store.addNotice('error', `Export failed: ${errorText(error)}`);
  }
}

/**
 * Hands a run zip (or a run .safetensors file) to the worker, which checks it completely before replacing the model. On
 * success the form and sliders take the run's settings; on failure a notice says why and
 * nothing changes. Returns whether the run was restored.
 */
export async function importRunBytes(bytes: ArrayBuffer, label: string): Promise<boolean> {
  const store = useAppStore.getState();
  if (!trainerRunning()) {
    store.addNotice('error', `Could not import ${label}: the trainer is not running.`);
    return false;
  }
  try {
    const view = new Uint8Array(bytes);
    const result = await callTrainer((api) => api.importRun(Comlink.transfer(view, [bytes])));
    // The comparison copied the replaced model's settings.
    stopComparison();
    store.setRequested(result.settings);
    store.setHyperparams(result.hyperparams);
    const s = result.settings;
    store.addNotice(
      'info',
      `Restored ${label}: step ${result.step}, ${s.dataset}, ${s.variant}, latent size ` +
        `${s.latentDim}. Press Train to continue.`,
    );
    return true;
  } catch (error) {
    store.addNotice('error', `Could not import ${label}: ${errorText(error)}`);
    return false;
  }
}

/** Imports a file chosen or dropped by the user. */
export async function importRunFile(file: File): Promise<boolean> {
  // The cap on what a run zip may hold in all (limits.ts): deflate never makes weights larger.
  if (file.size > MAX_RUN_BYTES) {
    useAppStore
      .getState()
      .addNotice(
        'error',
        `Could not import "${file.name}": ${formatBytes(file.size)} is more than a run file ` +
          `of the largest model this app builds (${mebibytes(MAX_RUN_BYTES)}).`,
      );
    return false;
  }
  let bytes: ArrayBuffer;
  try {
    bytes = await file.arrayBuffer();
  } catch (error) {
    useAppStore.getState().addNotice('error', `Could not read ${file.name}: ${errorText(error)}`);
    return false;
  }
  return importRunBytes(bytes, `"${file.name}"`);
}

/** The curves as CSV: one row per reported point, NaN left empty. */
export function curvesCsv(series: MetricsSeries): string {
  const header = ['step', 'time_s', ...CHART_KEYS].join(',');
  const rows: string[] = [header];
  for (let i = 0; i < series.length; i++) {
    const cells = [String(series.steps[i]), String((series.times[i]! / 1000).toFixed(3))];
    for (const key of CHART_KEYS) {
      const v = series.columns[key][i]!;
      cells.push(Number.isFinite(v) ? String(v) : '');
    }
    rows.push(cells.join(','));
  }
  return `${rows.join('\n')}\n`;
}

export function downloadCurvesCsv() {
  const { series } = useAppStore.getState();
  downloadBlob(new Blob([curvesCsv(series)], { type: 'text/csv' }), `${runFileStem()}-curves.csv`);
}

/** A canvas holding one of the worker's pictures, at its own resolution. */
function gridCanvas(grid: ImagesUpdate[GridKey]): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = grid.width;
  canvas.height = grid.height;
  canvas
    .getContext('2d')!
    .putImageData(new ImageData(new Uint8ClampedArray(grid.pixels), grid.width, grid.height), 0, 0);
  return canvas;
}

/** Downloads one picture (reconstructions, samples or interpolation) as a PNG. */
export async function downloadGridPng(key: GridKey) {
  const { images, addNotice } = useAppStore.getState();
  if (!images) {
    addNotice('warning', 'No pictures yet: wait until the model is ready.');
    return;
  }
  // The interpolation on screen is the explorer's (the user's two images, N, linear or
  // spherical); the trainer's fixed strip is only the fallback before the explorer has one.
  const shown = key === 'interpolation' ? useExplorerStore.getState().interpolationResult : null;
  const grid = shown?.strip ?? images[key];
  const blob = await new Promise<Blob | null>((resolve) =>
    gridCanvas(grid).toBlob(resolve, 'image/png'),
  );
  if (!blob) {
    addNotice('error', 'The browser could not encode the PNG.');
    return;
  }
  downloadBlob(blob, `${runFileStem()}-${key}.png`);
}

/** A small PNG data URL of a picture, for the checkpoint list ('' if there is none). */
export function thumbnailOf(grid: ImagesUpdate[GridKey] | undefined, size = 72): string {
  if (!grid) return '';
  const canvas = document.createElement('canvas');
  canvas.width = size;
  canvas.height = Math.round((size * grid.height) / grid.width);
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage(gridCanvas(grid), 0, 0, canvas.width, canvas.height);
  return canvas.toDataURL('image/png');
}
