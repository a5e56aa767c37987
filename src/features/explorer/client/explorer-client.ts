/**
 * The page's side of the latent explorer: starts the explorer worker on the first weight
 * snapshot, forwards every later snapshot, and turns pad moves into decodes. Only the latest
 * code matters, so at most one decode is in flight and newer moves replace the queued one; the
 * answer is painted straight into the decoded-image canvas, without a React render.
 */
import * as Comlink from 'comlink';
import { type DenseDecoder, denseDecode, parseDenseDecoder, toRgba } from '../shared/dense-decoder';
import { clampToRange, type PadRange, planeToZ, zToPlane } from '../../../shared/latent';
import type { ImageShape } from '../../../shared/config';
import type { DatasetInfo } from '../../../shared/dataset';
import type { ExplorerApi } from '../worker/explorer-api';
import type { ImageGrid, WeightsSnapshot } from '../../training/shared/protocol';
import { isInteracting, onInteractionEnd } from '../../../app/interaction';
import {
  defaultPlane,
  DEFAULT_INTERPOLATION,
  type InterpolationSettings,
  type PlaneSettings,
  useExplorerStore,
} from './explorer-store';

/** The scatter (encoding 2,500 test images) is refreshed at most this often while training. */
const SCATTER_MS = 3000;
/** Latency samples kept for the benchmark. */
const MAX_SAMPLES = 5000;
/**
 * Where the pad's code is decoded: on this page in plain TypeScript when the decoder is a stack
 * of Dense layers (no message, no other thread: the pixels are painted in the pointer event), or
 * in the explorer worker (any architecture). `?pad=worker` forces the worker, for comparison.
 */
const forceWorker =
  typeof location !== 'undefined' && new URLSearchParams(location.search).get('pad') === 'worker';

let worker: Worker | null = null;
let api: Comlink.Remote<ExplorerApi> | null = null;
let ready: Promise<boolean> | null = null;

const set = useExplorerStore.setState;
const get = useExplorerStore.getState;

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Comlink prefixes worker errors with nothing useful; keep the message only. */
function fail(what: string, error: unknown) {
  set({ error: `${what}: ${errorText(error)}` });
}

function start(): Promise<boolean> {
  if (ready) return ready;
  set({ status: 'starting', error: '' });
  worker = new Worker(new URL('../worker/explorer.worker.ts', import.meta.url), {
    type: 'module',
    name: 'explorer',
  });
  worker.addEventListener('error', (event) => {
    set({
      status: 'error',
      error: `The explorer worker crashed: ${event.message || 'unknown error'}. Reload the page.`,
    });
  });
  const remote = Comlink.wrap<ExplorerApi>(worker);
  api = remote;
  const datasetsBaseUrl = new URL('datasets/', document.baseURI).href;
  ready = remote.init({ backend: 'wasm', datasetsBaseUrl }).then(
    (backend) => {
      set({ backend, status: 'waiting' });
      return true;
    },
    (error: unknown) => {
      set({ status: 'error', error: `The explorer could not start: ${errorText(error)}` });
      return false;
    },
  );
  return ready;
}

// ---- weight snapshots ------------------------------------------------------------------------

/**
 * Gives the explorer worker the test split of the user's own images (copied: the caller keeps
 * its arrays), so snapshots of a model trained on them can be embedded and shown.
 */
export async function sendUserTestSet(
  info: DatasetInfo,
  images: Uint8Array,
  labels: Uint8Array,
): Promise<void> {
  if (!(await start()) || !api) throw new Error('The latent explorer could not start');
  await api.setUserTestSet(info, images, labels);
}

let pendingWeights: WeightsSnapshot | null = null;
let loadingWeights = false;
let inView = true;

/**
 * Off screen, the explorer keeps only the newest snapshot and loads it when it is scrolled into
 * view again: re-encoding 2,500 test images every two seconds for nobody took a tenth of the
 * core the training shares. A new model is always loaded (the pictures and pad start from it).
 */
function mayLoad(): boolean {
  return inView || !get().loaded;
}

/** Takes a snapshot from the trainer; only the newest one waiting is loaded. */
export function acceptWeights(snapshot: WeightsSnapshot) {
  pendingWeights = snapshot;
  if (!loadingWeights && mayLoad()) void loadLoop();
}

/** The explorer panel came into view or left it (LatentExplorer's IntersectionObserver). */
export function setExplorerInView(visible: boolean) {
  inView = visible;
  if (visible && pendingWeights && !loadingWeights) void loadLoop();
}

async function loadLoop() {
  loadingWeights = true;
  try {
    if (!(await start())) return;
    while (pendingWeights && api && mayLoad()) {
      const snapshot = pendingWeights;
      pendingWeights = null;
      const previous = get().loaded;
      // Used once the worker holds the same weights. Read in place from the page's own copy
      // when the trainer sent one; else copied before the buffers move to the worker.
      const { pageDecoderData, ...forWorker } = snapshot;
      const parsed = forceWorker
        ? { reason: '?pad=worker in the URL' }
        : pageDecoderData
          ? parseDenseDecoder({ ...snapshot.decoder, weightData: pageDecoderData }, true)
          : parseDenseDecoder(snapshot.decoder);
      let loaded;
      try {
        loaded = await api.loadWeights(
          Comlink.transfer(forWorker, [
            forWorker.encoder.weightData as ArrayBuffer,
            forWorker.decoder.weightData as ArrayBuffer,
          ]),
        );
      } catch (error) {
        fail('Could not load the weights', error);
        continue;
      }
      pageDecoder =
        'decoder' in parsed
          ? { decoder: parsed.decoder, step: loaded.step, image: loaded.image }
          : null;
      set({
        padDecoder:
          'decoder' in parsed
            ? 'on this page (dense decoder in TypeScript)'
            : `in the explorer worker (${parsed.reason})`,
      });
      // A restarted trainer counts models from 1 again: an earlier step also means new weights.
      const newModel =
        !previous ||
        previous.modelId !== loaded.modelId ||
        previous.latentDim !== loaded.latentDim ||
        loaded.step < previous.step;
      if (newModel) {
        const dimChanged = previous?.latentDim !== loaded.latentDim;
        set({
          loaded,
          status: 'ready',
          error: '',
          ...(dimChanged
            ? {
                plane: defaultPlane(loaded.latentDim),
                scatter: null,
                point: { x: 0, y: 0 },
                manifold: null,
              }
            : {}),
          // Another data set (or another set of the user's): old test-image indices mean nothing.
          ...(previous?.dataset !== loaded.dataset ||
          previous.datasetName !== loaded.datasetName ||
          previous.testCount !== loaded.testCount
            ? {
                selected: null,
                selectedView: null,
                interpolation: DEFAULT_INTERPOLATION,
                plane: defaultPlane(loaded.latentDim),
              }
            : {}),
        });
      } else {
        set({ loaded, status: 'ready' });
      }
      await refreshAll(newModel);
    }
  } finally {
    loadingWeights = false;
  }
}

let lastScatter = 0;
let scatterTimer: ReturnType<typeof setTimeout> | undefined;
let scatterAfterDrag = false;
onInteractionEnd(() => {
  if (!scatterAfterDrag) return;
  scatterAfterDrag = false;
  void refreshScatter();
});

/** After new weights: the scatter (rate-limited), the pad's image, the strip, the selection. */
async function refreshAll(newModel: boolean) {
  const now = performance.now();
  clearTimeout(scatterTimer);
  if (!newModel && get().scatter && isInteracting()) {
    // Not under a dragging pointer: the new layout would move the pad's range (and the
    // handle's place in it) mid-drag, and redrawing 2,500 points costs frames. Once it ends.
    scatterAfterDrag = true;
  } else if (newModel || !get().scatter || now - lastScatter >= SCATTER_MS) {
    await refreshScatter();
  } else {
    // Catch up once training pauses, so the scatter never stays behind the weights.
    scatterTimer = setTimeout(() => void refreshScatter(), lastScatter + SCATTER_MS - now);
  }
  decodePoint();
  await Promise.all([refreshInterpolation(), refreshSelected(), refreshManifold()]);
}

// ---- plane and scatter -----------------------------------------------------------------------

let scatterBusy = false;
let scatterAgain = false;

/** Re-embeds the test set on the chosen plane; keeps the handle on the same code. */
export async function refreshScatter(): Promise<void> {
  if (!api || get().status !== 'ready') return;
  if (scatterBusy) {
    scatterAgain = true;
    return;
  }
  scatterBusy = true;
  try {
    do {
      scatterAgain = false;
      const { plane } = get();
      try {
        const result = await api.scatter(plane);
        lastScatter = performance.now();
        const { scatter: old, point } = get();
        // Keep the handle on the code it showed: project that code onto the new plane.
        const z =
          old && old.latentDim === result.latentDim ? planeToZ(old.plane, point.x, point.y) : null;
        // No code yet (first layout, new latent size): start in the middle of the data.
        const projected = z ? zToPlane(result.plane, z) : rangeCentre(result.range);
        set({
          scatter: result,
          point: clampToRange(projected.x, projected.y, result.range),
          error: '',
        });
      } catch (error) {
        fail('Could not lay out the test set', error);
      }
    } while (scatterAgain);
  } finally {
    scatterBusy = false;
  }
  decodePoint();
  void refreshManifold();
}

/** The middle of the pad: the mean of the embedded codes on the plane. */
export function rangeCentre(range: PadRange): { x: number; y: number } {
  return { x: (range.xMin + range.xMax) / 2, y: (range.yMin + range.yMax) / 2 };
}

/** Picks a new plane (two principal axes, or two latent axes, through a base point). */
export function setPlane(plane: PlaneSettings) {
  set({ plane });
  void refreshScatter();
}

// ---- the pad: coalesced decodes ---------------------------------------------------------------

let decodedCanvas: HTMLCanvasElement | null = null;
let inFlight = false;
let queued: { z: Float32Array; seq: number } | null = null;
let seq = 0;
/** Pointer or key events not yet answered by a painted image: [sequence, event time, handled]. */
let unanswered: [number, number, number][] = [];
/**
 * Milliseconds, one sample per painted answer to a person's move, timed from the oldest event it
 * answers: to the painted pixels (paint), to the frame that shows them (frame); and where the
 * time goes: event to handler on the main thread (input), the decode call's round trip to the
 * worker (roundtrip, 0 on the page's fast path) and the decode itself (decode).
 */
const latency = {
  paint: [] as number[],
  frame: [] as number[],
  input: [] as number[],
  roundtrip: [] as number[],
  decode: [] as number[],
};

/** The canvas the decoded image is painted into (null when it unmounts). */
export function attachDecodedCanvas(canvas: HTMLCanvasElement | null) {
  decodedCanvas = canvas;
}

/**
 * Moves the handle to plane coordinates (x, y) and decodes that code.
 * @param eventTime `event.timeStamp` of the pointer or key event, to measure latency (omit for
 *   moves that no person made, e.g. after new weights)
 */
export function setPoint(x: number, y: number, eventTime?: number) {
  const { scatter } = get();
  if (!scatter) return;
  const point = clampToRange(x, y, scatter.range);
  set({ point });
  requestDecode(planeToZ(scatter.plane, point.x, point.y), eventTime);
}

function decodePoint() {
  const { scatter, point } = get();
  if (scatter) requestDecode(planeToZ(scatter.plane, point.x, point.y));
}

let pageDecoder: { decoder: DenseDecoder; step: number; image: ImageShape } | null = null;
let lastPainted = 0;

function requestDecode(z: Float32Array, eventTime?: number) {
  seq += 1;
  const now = performance.now();
  if (eventTime !== undefined) unanswered.push([seq, Math.min(eventTime, now), now]);
  if (pageDecoder && pageDecoder.decoder.latentDim === z.length) {
    // The fast path: decode and paint now, inside the event that moved the handle.
    const t0 = performance.now();
    const { width, height, channels } = pageDecoder.image;
    const pixels = toRgba(denseDecode(pageDecoder.decoder, z), undefined, channels);
    const image: ImageGrid = { width, height, pixels, cols: 1, rows: 1 };
    paintDecoded(image, pageDecoder.step, seq, {
      roundtrip: 0,
      decode: performance.now() - t0,
    });
    return;
  }
  if (inFlight) {
    queued = { z, seq };
    return;
  }
  void sendDecode(z, seq);
}

async function sendDecode(z: Float32Array, id: number) {
  if (!api) return;
  inFlight = true;
  try {
    const sent = performance.now();
    const { step, image, ms } = await api.decode(Comlink.transfer(z, [z.buffer]));
    paintDecoded(image, step, id, { roundtrip: performance.now() - sent, decode: ms });
  } catch (error) {
    fail('Could not decode', error);
  } finally {
    inFlight = false;
  }
  const next = queued;
  queued = null;
  if (next) void sendDecode(next.z, next.seq);
}

function paintDecoded(
  image: ImageGrid,
  step: number,
  id: number,
  timing: { roundtrip: number; decode: number },
) {
  // A late worker answer must not overwrite a newer picture.
  if (id < lastPainted) return;
  lastPainted = id;
  const canvas = decodedCanvas;
  if (canvas) {
    // 28 x 28 for MNIST, 32 x 32 for a colour set of the user's.
    if (canvas.width !== image.width) canvas.width = image.width;
    if (canvas.height !== image.height) canvas.height = image.height;
    canvas
      .getContext('2d')
      ?.putImageData(
        new ImageData(image.pixels as Uint8ClampedArray<ArrayBuffer>, image.width, image.height),
        0,
        0,
      );
    canvas.dataset.step = String(step);
    canvas.dataset.seq = String(id);
  }
  // Only on a change: every store update runs every subscriber, on the pointer's critical path.
  if (get().decodedStep !== step) set({ decodedStep: step });
  // Every event up to this one is answered by these pixels; time it from the oldest.
  const answered = unanswered.filter(([s]) => s <= id);
  if (answered.length === 0) return;
  unanswered = unanswered.filter(([s]) => s > id);
  const [, since, handled] = answered[0]!;
  record(latency.paint, performance.now() - since);
  record(latency.input, handled - since);
  record(latency.roundtrip, timing.roundtrip);
  record(latency.decode, timing.decode);
  // The frame that shows them: its callbacks run just before the browser paints.
  requestAnimationFrame(() => record(latency.frame, performance.now() - since));
}

function record(samples: number[], ms: number) {
  samples.push(ms);
  if (samples.length > MAX_SAMPLES) samples.shift();
}

/** RGBA pixels of a worker picture as ImageData (copied: the canvas keeps no reference). */
export function toImageData(grid: ImageGrid): ImageData {
  return new ImageData(new Uint8ClampedArray(grid.pixels), grid.width, grid.height);
}

// ---- manifold, selection, interpolation -------------------------------------------------------

let manifoldBusy = false;

/** Shows or hides the decoded plane behind the pad. */
export function setShowManifold(show: boolean) {
  set({ showManifold: show, ...(show ? {} : { manifold: null }) });
  if (show) void refreshManifold();
}

async function refreshManifold() {
  const { showManifold, scatter, manifoldSize, status } = get();
  if (!api || !showManifold || !scatter || status !== 'ready' || manifoldBusy) return;
  manifoldBusy = true;
  try {
    const grid = await api.decodeGrid(scatter.plane, scatter.range, manifoldSize);
    // Drawn for the plane and range it was asked for; a newer request follows any change.
    if (get().scatter === scatter && get().showManifold) set({ manifold: grid });
  } catch (error) {
    fail('Could not decode the plane', error);
  } finally {
    manifoldBusy = false;
  }
  if (get().showManifold && get().scatter !== scatter) void refreshManifold();
}

/** Selects a test image: shows it beside its reconstruction and moves the handle onto it. */
export async function selectTestImage(index: number, eventTime?: number) {
  set({ selected: index });
  const { scatter } = get();
  if (scatter && index < scatter.count) {
    setPoint(scatter.coords[2 * index]!, scatter.coords[2 * index + 1]!, eventTime);
  }
  await refreshSelected();
  // Images beyond the scatter: the handle goes to the projection of their code.
  const view = get().selectedView;
  const latest = get().scatter;
  if (view && latest && index >= latest.count && view.index === index) {
    const p = zToPlane(latest.plane, view.mu);
    setPoint(p.x, p.y, eventTime);
  }
}

async function refreshSelected() {
  const index = get().selected;
  if (!api || index === null || get().status !== 'ready') return;
  try {
    const { images } = await api.testImages([index]);
    if (get().selected === index) set({ selectedView: images[0] ?? null });
  } catch (error) {
    fail('Could not show the test image', error);
  }
}

let interpolationBusy = false;
let interpolationAgain = false;

/** New interpolation settings (already checked by the form). */
export function setInterpolation(settings: InterpolationSettings) {
  set({ interpolation: settings });
  void refreshInterpolation();
}

async function refreshInterpolation() {
  if (!api || get().status !== 'ready') return;
  if (interpolationBusy) {
    interpolationAgain = true;
    return;
  }
  interpolationBusy = true;
  try {
    do {
      interpolationAgain = false;
      try {
        const result = await api.interpolate(get().interpolation);
        set({ interpolationResult: result });
      } catch (error) {
        fail('Could not interpolate', error);
      }
    } while (interpolationAgain);
  } finally {
    interpolationBusy = false;
  }
}

// ---- measurement hook for bench/latent-latency.mjs -------------------------------------------

declare global {
  interface Window {
    vaeganExplorer?: {
      getState: typeof useExplorerStore.getState;
      /** Milliseconds from pointer/key event to painted pixels (paint) and to the frame (frame). */
      latencies: () => Record<keyof typeof latency, number[]>;
      clearLatencies: () => void;
    };
  }
}
/** `window.vaeganExplorer`, for the end-to-end tests (src/app/test-api.ts). */
export type ExplorerTestApi = NonNullable<Window['vaeganExplorer']>;

if (typeof window !== 'undefined') {
  window.vaeganExplorer = {
    getState: useExplorerStore.getState,
    latencies: () => ({
      paint: [...latency.paint],
      frame: [...latency.frame],
      input: [...latency.input],
      roundtrip: [...latency.roundtrip],
      decode: [...latency.decode],
    }),
    clearLatencies: () => {
      for (const samples of Object.values(latency)) samples.length = 0;
    },
  };
}
