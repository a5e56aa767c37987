/**
 * The worker's API, exposed with comlink. The page derives its type from this object
 * (`TrainerApi`) and imports it with `import type` only.
 */
import * as tf from '../../../model/tf';
import * as Comlink from 'comlink';
import type { Hyperparams } from '../../../shared/config';
import { type CheckpointMeta, saveCheckpoint } from '../../checkpoints/shared/checkpoint-store';
import type { Dataset, FetchBytes } from '../../../shared/dataset';
import type { NetworkArtifacts } from '../../../model/serialize';
import type { RunSettings, TrainerEvent, TrainerListener } from '../shared/protocol';
import { installErrorTransfer, TrainerInputError } from '../../../shared/errors';
import { type InitRequest, Trainer, type TrainerDeps } from './trainer';
import type { TrainingBudget } from '../../../shared/settings';
import {
  checkBudget,
  checkBytes,
  checkCheckpointRequest,
  checkHyperparams,
  checkMeasurement,
  checkInitRequest,
  checkPoisonTarget,
  checkSettings,
} from './validate';

/** How the crash hook ends the worker. */
export type CrashKind = 'throw' | 'exit' | 'hang';

/** The buffers of weight artifacts, to move with a message. */
const buffersOf = (nets: (NetworkArtifacts | undefined)[]) =>
  nets.flatMap((n) => (n ? [n.weightData as ArrayBuffer] : []));

/**
 * Moves the pixel and weight buffers of an event instead of copying them. With `weightCopies`
 * (the page's main run), a weights event also carries copies made here, off the page's thread:
 * the decoder's for the page's pad decoder and all networks' for the quality worker.
 */
function transferable(event: TrainerEvent, weightCopies: boolean): TrainerEvent {
  if (event.type === 'weights') {
    const { encoder, decoder, generator, discriminator } = event.weights;
    const originals = buffersOf([encoder, decoder, generator, discriminator]);
    if (!weightCopies) return Comlink.transfer(event, originals);
    const copy = (a: NetworkArtifacts) => ({
      ...a,
      weightData: (a.weightData as ArrayBuffer).slice(0),
    });
    const pageDecoderData = (decoder.weightData as ArrayBuffer).slice(0);
    const qualityCopy = {
      encoder: copy(encoder),
      decoder: copy(decoder),
      ...(generator ? { generator: copy(generator) } : {}),
    };
    return Comlink.transfer(
      { ...event, weights: { ...event.weights, pageDecoderData, qualityCopy } },
      [
        ...originals,
        pageDecoderData,
        ...buffersOf([qualityCopy.encoder, qualityCopy.decoder, qualityCopy.generator]),
      ],
    );
  }
  if (event.type !== 'images') return event;
  const { reconstructions, samples, interpolation } = event.images;
  return Comlink.transfer(event, [
    reconstructions.pixels.buffer,
    samples.pixels.buffer,
    interpolation.pixels.buffer,
  ]);
}

/**
 * Builds the API around one Trainer; `fetchBytes` is injectable so Node tests can serve files.
 * Every argument is checked (validate.ts): a bad one is refused with a TrainerInputError, whose
 * `code` reaches the page, and nothing changes.
 */
export function createTrainerApi(deps: TrainerDeps & { fetchBytes: FetchBytes }) {
  installErrorTransfer();
  const trainer = new Trainer(deps);
  return {
    /** Picks the backend and reads the data set manifest; `listener` receives every event. */
    async init(request: InitRequest, listener: TrainerListener) {
      checkInitRequest(request, listener);
      const weightCopies = request.weightCopies === true;
      return trainer.init(request, (event) => listener(transferable(event, weightCopies)));
    },
    /** Loads data and builds a new model for these settings (training stops). */
    async configure(settings: RunSettings) {
      return trainer.configure(checkSettings(settings));
    },
    /** Takes the user's own images (buffers moved here) as the "user" data set. */
    setUserDataset(dataset: Dataset) {
      return trainer.setUserDataset(dataset);
    },
    start() {
      return trainer.start();
    },
    pause() {
      return trainer.pause();
    },
    step() {
      return trainer.stepOnce();
    },
    reset() {
      return trainer.reset();
    },
    /** Changes loss weights and learning rates; out-of-range or unknown values are refused. */
    async setHyperparams(hyperparams: Partial<Hyperparams>) {
      return trainer.setHyperparams(checkHyperparams(hyperparams));
    },
    /** A new training budget (steps, epochs or minutes; auto-stop's patience; the schedule). */
    async setBudget(budget: Partial<TrainingBudget>) {
      return trainer.setBudget(checkBudget(budget));
    },
    /**
     * A copy of the networks for the quality worker (buffers moved to the page); the run's copy
     * stays pinned here until `measured` says what it scored.
     */
    async measurementCopy() {
      const copy = await trainer.measurementCopy();
      return Comlink.transfer(copy, buffersOf([copy.encoder, copy.decoder, copy.generator]));
    },
    /** The test ELBO of a measurement copy, for auto-stop (see Trainer.measured). */
    async measured(
      modelId: number,
      measurement: { step: number; elbo: number; basis: object },
      runId: string,
    ) {
      const checked = checkMeasurement(modelId, measurement, runId);
      return trainer.measured(checked.modelId, checked.measurement, checked.runId);
    },
    /** tfjs memory in the worker (tensors, bytes) and the history length: for the soak benchmark. */
    getMemory() {
      return trainer.getMemory();
    },
    getStatus() {
      return trainer.getStatus();
    },
    /** Tensors and memory of this worker, for the benchmark's leak and heap figures. */
    diagnostics() {
      const memory = tf.memory();
      const wasm = (tf.engine().backend as { wasm?: { HEAPU8?: Uint8Array } }).wasm;
      return {
        step: trainer.getStatus().step,
        backend: tf.getBackend(),
        numTensors: memory.numTensors,
        transientTensors: trainer.transientTensors,
        tensorBytes: memory.numBytes,
        /** Size of the wasm backend's linear memory (it only grows). */
        wasmMemoryBytes: wasm?.HEAPU8?.byteLength ?? null,
      };
    },
    dispose() {
      return trainer.dispose();
    },
    /** The run as zip bytes (moved to the page, not copied), its manifest and the save time. */
    async exportRun() {
      const run = await trainer.exportRun();
      return Comlink.transfer(run, [run.bytes.buffer]);
    },
    /** The run as a `.safetensors` file for PyTorch (bytes moved to the page) and its manifest. */
    async exportTorch() {
      const run = await trainer.exportTorch();
      return Comlink.transfer(run, [run.bytes.buffer]);
    },
    /**
     * Exports the run and stores it as a checkpoint in IndexedDB, here in the worker: the page
     * never holds the megabytes (cloning them into IndexedDB on the page stalled the latent pad
     * for a second), it gets only the record. Keeps the newest `keep` checkpoints of the
     * same run (`meta.runId`: the tab's), pruning them first; never another run's. A `keep`
     * that is not a whole number of at least 1 is refused before anything is touched.
     */
    async saveCheckpoint(
      meta: Omit<CheckpointMeta, 'id' | 'step' | 'sizeBytes'>,
      keep: number,
    ): Promise<{ meta: CheckpointMeta; serializeMs: number }> {
      checkCheckpointRequest(meta, keep);
      const { bytes, manifest, serializeMs } = await trainer.exportRun();
      const saved = await saveCheckpoint(
        { ...meta, step: manifest.step, sizeBytes: bytes.byteLength },
        // The zip's own buffer when it is exactly the zip, else a copy of just its bytes.
        bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
          ? (bytes.buffer as ArrayBuffer)
          : bytes.slice().buffer,
        keep,
      );
      return { meta: saved, serializeMs };
    },
    /**
     * Replaces the model by the run in `bytes` (a zip from exportRun, or a `.safetensors` run
     * from exportTorch or python/vaegan.py); throws on a bad file.
     */
    async importRun(bytes: Uint8Array) {
      return trainer.importRun(checkBytes(bytes));
    },
    /** Test hook: NaN into one weight of a network, for the divergence guard to catch. */
    async debugPoisonWeights(network?: 'encoder' | 'decoder' | 'discriminator') {
      trainer.debugPoisonWeights(checkPoisonTarget(network));
    },
    /** Test hook: loses the WebGL context or destroys the WebGPU device; returns the backend. */
    async debugLoseDevice() {
      return trainer.debugLoseDevice();
    },
    /**
     * Test hook: ends this worker the way real faults do, after this call has answered:
     * an uncaught error ('throw'), the worker closing itself ('exit'), or an endless loop ('hang').
     */
    async debugCrash(kind: CrashKind) {
      if (kind !== 'throw' && kind !== 'exit' && kind !== 'hang') {
        throw new TrainerInputError('bad-argument', `Unknown crash kind ${String(kind)}.`);
      }
      setTimeout(() => {
        if (kind === 'exit') (globalThis as { close?: () => void }).close?.();
        else if (kind === 'hang') for (;;);
        else throw new Error('debugCrash: the training worker threw an uncaught error');
      }, 50);
    },
  };
}

export type TrainerApi = ReturnType<typeof createTrainerApi>;
