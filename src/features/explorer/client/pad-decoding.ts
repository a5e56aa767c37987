/**
 * The pad: a code under the handle becomes pixels. Where it is decoded: on this page in plain
 * TypeScript when the decoder is a stack of Dense layers (no message, no other thread: the
 * pixels are painted in the pointer event), or in the explorer worker (any architecture), where
 * only the latest code matters: one decode is in flight and newer moves replace the waiting one.
 * The answer is painted straight into the decoded-image canvas, without a React render, and each
 * answer to a person's move is timed (the latency record, read by bench/latent-latency.mjs).
 */
import * as Comlink from 'comlink';
import { type DenseDecoder, denseDecode, parseDenseDecoder, toRgba } from '../shared/dense-decoder';
import { clampToRange, planeToZ } from '../../../shared/latent';
import type { ImageShape } from '../../../shared/config';
import type { LoadedWeights } from '../shared/protocol';
import type { ImageGrid, WeightsSnapshot } from '../../training/shared/protocol';
import { LatestWins } from '../../../app/worker-bridge';
import {
  explorer,
  fail,
  getExplorerState as get,
  setExplorerState as set,
} from './explorer-client';

/** Latency samples kept for the benchmark. */
const MAX_SAMPLES = 5000;
/** `?pad=worker` in the URL forces the worker's decoder, for comparison. */
const forceWorker =
  typeof location !== 'undefined' && new URLSearchParams(location.search).get('pad') === 'worker';

/** The page's own decoder and where its pixels go. */
const pad = {
  canvas: null as HTMLCanvasElement | null,
  /** Set while the loaded model's decoder can run on this page. */
  decoder: null as { decoder: DenseDecoder; step: number; image: ImageShape } | null,
  /** Number of the newest decode asked for, and of the newest painted. */
  seq: 0,
  lastPainted: 0,
  /** Pointer or key events not yet answered by a painted image: [sequence, event time, handled]. */
  unanswered: [] as [number, number, number][],
};

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

export type LatencyRecord = Record<keyof typeof latency, number[]>;

/** A copy of the latency samples so far. */
export function padLatencies(): LatencyRecord {
  return {
    paint: [...latency.paint],
    frame: [...latency.frame],
    input: [...latency.input],
    roundtrip: [...latency.roundtrip],
    decode: [...latency.decode],
  };
}

/** Forgets the latency samples (a benchmark starts its measurement). */
export function clearPadLatencies() {
  for (const samples of Object.values(latency)) samples.length = 0;
}

/** The decodes sent to the worker: the newest waiting code replaces older ones. */
const workerDecodes = new LatestWins<{ z: Float32Array; id: number }>(sendDecode);

/** The canvas the decoded image is painted into (null when it unmounts). */
export function attachDecodedCanvas(canvas: HTMLCanvasElement | null) {
  pad.canvas = canvas;
}

/** The page's decoder read from a snapshot, or why the worker decodes instead. */
export type PadDecoderChoice = { decoder: DenseDecoder } | { reason: string };

/**
 * Reads the page's decoder from a snapshot before its buffers move to the worker: in place from
 * the page's own copy when the trainer sent one, else copied.
 */
export function choosePadDecoder(snapshot: WeightsSnapshot): PadDecoderChoice {
  if (forceWorker) return { reason: '?pad=worker in the URL' };
  return snapshot.pageDecoderData
    ? parseDenseDecoder({ ...snapshot.decoder, weightData: snapshot.pageDecoderData }, true)
    : parseDenseDecoder(snapshot.decoder);
}

/** Decodes on this page from now on if `choice` allows (the worker holds the same weights). */
export function adoptPadDecoder(choice: PadDecoderChoice, loaded: LoadedWeights) {
  pad.decoder =
    'decoder' in choice
      ? { decoder: choice.decoder, step: loaded.step, image: loaded.image }
      : null;
  set({
    padDecoder:
      'decoder' in choice
        ? 'on this page (dense decoder in TypeScript)'
        : `in the explorer worker (${choice.reason})`,
  });
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

/** Set while a decode of the handle's code waits for its task (decodePoint). */
let redecode: ReturnType<typeof setTimeout> | null = null;

/**
 * Decodes the code under the handle again (new weights, a new plane) in a task of its own,
 * once for any number of calls before it runs. No person waits on this decode, and the task
 * that brings new weights already refreshes the explorer's views; the page's first decode of a
 * run (its code still cold) took 26 to 35 ms of that task, which made it one over 50 ms.
 */
export function decodePoint() {
  if (redecode !== null) return;
  redecode = setTimeout(() => {
    redecode = null;
    const { scatter, point } = get();
    if (scatter) requestDecode(planeToZ(scatter.plane, point.x, point.y));
  }, 0);
}

function requestDecode(z: Float32Array, eventTime?: number) {
  const id = ++pad.seq;
  const now = performance.now();
  if (eventTime !== undefined) pad.unanswered.push([id, Math.min(eventTime, now), now]);
  const own = pad.decoder;
  if (own && own.decoder.latentDim === z.length) {
    // The fast path: decode and paint now, inside the event that moved the handle.
    const t0 = performance.now();
    const { width, height, channels } = own.image;
    const pixels = toRgba(denseDecode(own.decoder, z), undefined, channels);
    const image: ImageGrid = { width, height, pixels, cols: 1, rows: 1 };
    paintDecoded(image, own.step, id, { roundtrip: 0, decode: performance.now() - t0 });
    return;
  }
  void workerDecodes.request({ z, id });
}

async function sendDecode({ z, id }: { z: Float32Array; id: number }) {
  if (!explorer.running) return;
  try {
    const sent = performance.now();
    const { step, image, ms } = await explorer.call((api) =>
      api.decode(Comlink.transfer(z, [z.buffer])),
    );
    paintDecoded(image, step, id, { roundtrip: performance.now() - sent, decode: ms });
  } catch (error) {
    fail('Could not decode', error);
  }
}

function paintDecoded(
  image: ImageGrid,
  step: number,
  id: number,
  timing: { roundtrip: number; decode: number },
) {
  // A late worker answer must not overwrite a newer picture (the two paths interleave).
  if (id < pad.lastPainted) return;
  pad.lastPainted = id;
  const canvas = pad.canvas;
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
  const answered = pad.unanswered.filter(([s]) => s <= id);
  if (answered.length === 0) return;
  pad.unanswered = pad.unanswered.filter(([s]) => s > id);
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
