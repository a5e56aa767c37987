/**
 * The worker's API, exposed with comlink. The page derives its type from this object
 * (`TrainerApi`) and imports it with `import type` only.
 */
import * as Comlink from 'comlink';
import type { Hyperparams } from '../model/config';
import type { FetchBytes } from './dataset';
import type { RunSettings, TrainerEvent, TrainerListener } from './protocol';
import { type InitRequest, Trainer, type TrainerDeps } from './trainer';

/** Moves the pixel buffers of a pictures event instead of copying them. */
function transferable(event: TrainerEvent): TrainerEvent {
  if (event.type === 'weights') {
    const { encoder, decoder, generator } = event.weights;
    const buffers = [encoder.weightData, decoder.weightData];
    if (generator) buffers.push(generator.weightData);
    return Comlink.transfer(event, buffers);
  }
  if (event.type !== 'images') return event;
  const { reconstructions, samples, interpolation } = event.images;
  return Comlink.transfer(event, [
    reconstructions.pixels.buffer,
    samples.pixels.buffer,
    interpolation.pixels.buffer,
  ]);
}

/** Builds the API around one Trainer; `fetchBytes` is injectable so Node tests can serve files. */
export function createTrainerApi(deps: TrainerDeps & { fetchBytes: FetchBytes }) {
  const trainer = new Trainer(deps);
  return {
    /** Picks the backend and reads the data set manifest; `listener` receives every event. */
    init(request: InitRequest, listener: TrainerListener) {
      return trainer.init(request, (event) => listener(transferable(event)));
    },
    /** Loads data and builds a new model for these settings (training stops). */
    configure(settings: RunSettings) {
      return trainer.configure(settings);
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
    setHyperparams(hyperparams: Partial<Hyperparams>) {
      return trainer.setHyperparams(hyperparams);
    },
    getStatus() {
      return trainer.getStatus();
    },
    dispose() {
      return trainer.dispose();
    },
    /** The run as zip bytes (moved to the page, not copied), its manifest and the save time. */
    async exportRun() {
      const run = await trainer.exportRun();
      return Comlink.transfer(run, [run.bytes.buffer]);
    },
    /** Replaces the model by the run in `bytes` (a zip from exportRun); throws on a bad file. */
    importRun(bytes: Uint8Array) {
      return trainer.importRun(bytes);
    },
  };
}

export type TrainerApi = ReturnType<typeof createTrainerApi>;
