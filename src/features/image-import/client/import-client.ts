/**
 * The page's side of "Your own images": collects the dropped or picked files (walking dropped
 * folders), has the import worker decode them, then gives the set to the trainer and its test
 * split to the latent explorer, and builds a model on it. The page keeps one copy of the set,
 * so a restarted training worker (new backend) gets it again without asking for the files.
 */
import * as Comlink from 'comlink';
import { create } from 'zustand';
import type { Dataset } from '../../../shared/dataset';
import type { ImportFile, ImportProgress } from '../worker/image-import';
import type { ImageImportApi } from '../worker/image-import.worker';
import type { UserDatasetRef } from '../../run-archive/shared/format';
import { type SkippedFile, userDatasetRef } from '../shared/user-dataset';
import { sendUserTestSet } from '../../explorer/client/explorer-client';
import { useAppStore } from '../../../app/store';
import { WorkerBridge, WorkerStoppedError } from '../../../app/worker-bridge';
import { applySettings, callTrainer, trainerRunning } from '../../training/client/trainer-client';
import { onTrainerEvent } from '../../training/client/trainer-events';

/** The loaded set as a saved run records it, and whether it is in colour. */
export interface UserSetSummary extends UserDatasetRef {
  colour: boolean;
}

export interface UserImagesState {
  /** `cancelled`: the person stopped an import; nothing changed. */
  status: 'idle' | 'importing' | 'ready' | 'refused' | 'error' | 'cancelled';
  progress: ImportProgress | null;
  /** The import worker is reading and decoding (Cancel can stop it). */
  decoding: boolean;
  /** The last outcome in words (loaded, refused or failed). */
  message: string;
  skipped: SkippedFile[];
  /** The set the trainer holds (null before the first successful import). */
  loaded: UserSetSummary | null;
  colour: boolean;
  setColour: (colour: boolean) => void;
}

export const useUserImagesStore = create<UserImagesState>()((set) => ({
  status: 'idle',
  progress: null,
  decoding: false,
  message: '',
  skipped: [],
  loaded: null,
  colour: false,
  setColour: (colour) => set({ colour }),
}));

/** The set as the page keeps it, to hand to a restarted training worker. */
let kept: Dataset | null = null;

/** Silence of the import worker after which it is ended (it answers between two decodes). */
const IMPORT_SILENCE_MS = 30_000;
/** Ending the worker by Cancel: the import's call is rejected with this, and nothing changes. */
const CANCELLED = 'the import was cancelled';

/**
 * The decoding worker: started by an import and ended as soon as it is idle again, so the
 * decoders' memory goes with it. A crash ends it too, and so does silence (a decode stuck in a
 * loop), and Cancel: each fails the import in progress with its reason, and nothing changes.
 */
const importer: WorkerBridge<ImageImportApi> = new WorkerBridge<ImageImportApi>({
  label: 'image-import worker',
  create: () =>
    new Worker(new URL('../worker/image-import.worker.ts', import.meta.url), {
      type: 'module',
      name: 'image-import',
    }),
  idleShutdownMs: 0,
  onCrash: (report) =>
    importer.terminate(
      report.kind === 'error'
        ? `the image-import worker crashed (${report.message || 'no message'})`
        : 'a message from the image-import worker could not be read',
    ),
  heartbeat: {
    everyMs: 2000,
    timeoutMs: () => IMPORT_SILENCE_MS,
    ask: (remote) => remote.ping(),
    onSilent: (ms) =>
      importer.terminate(
        `the image-import worker did not answer for ${Math.round(ms / 1000)} s, so it was stopped`,
      ),
    onAnswer: () => {},
  },
});

/** Stops the import in progress (its worker is ended); the set in use stays as it was. */
export function cancelImport(): void {
  if (useUserImagesStore.getState().status !== 'importing') return;
  importer.terminate(CANCELLED);
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Files of an <input type="file"> (with `webkitdirectory`, each keeps its path in the folder). */
export function filesFromInput(list: FileList | readonly File[]): ImportFile[] {
  return Array.from(list, (file) => ({ file, path: file.webkitRelativePath || file.name }));
}

/** Every file of a drop, walking dropped folders (FileSystemEntry), each with its path. */
export async function filesFromDrop(transfer: DataTransfer): Promise<ImportFile[]> {
  const entries = Array.from(transfer.items)
    .map((item) => (item.kind === 'file' ? item.webkitGetAsEntry() : null))
    .filter((e): e is FileSystemEntry => e !== null);
  if (entries.length === 0) return filesFromInput(transfer.files);
  const out: ImportFile[] = [];
  const walk = async (entry: FileSystemEntry, prefix: string): Promise<void> => {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isFile) {
      const file = await new Promise<File>((resolve, reject) =>
        (entry as FileSystemFileEntry).file(resolve, reject),
      );
      out.push({ file, path });
      return;
    }
    const reader = (entry as FileSystemDirectoryEntry).createReader();
    // readEntries answers in chunks (100 in Chromium) until it answers an empty list.
    for (;;) {
      const chunk = await new Promise<FileSystemEntry[]>((resolve, reject) =>
        reader.readEntries(resolve, reject),
      );
      if (chunk.length === 0) break;
      for (const child of chunk) await walk(child, path);
    }
  };
  for (const entry of entries) await walk(entry, '');
  return out;
}

function summary(d: Dataset, colour: boolean): UserSetSummary {
  return { ...userDatasetRef(d), colour };
}

/** Gives the kept set to the trainer (a copy: the page keeps its own). */
async function sendKeptSetToTrainer(): Promise<boolean> {
  const set = kept;
  if (!set || !trainerRunning()) return false;
  await callTrainer((remote) => remote.setUserDataset(set));
  return true;
}

/**
 * Subscribes image import to the training session (once, from main.tsx): a new training worker
 * (another backend, a restart) that is to train on the user's images gets the page's copy.
 * @returns a function that ends the subscription
 */
export function connectImageImportToTrainer(): () => void {
  return onTrainerEvent('worker-starting', async ({ settings }) => {
    if (settings.dataset === 'user') await sendKeptSetToTrainer();
  });
}

/** Whether the page holds a set of the user's to give to a new training worker. */
export const hasUserSet = () => kept !== null;

/**
 * Decodes the files in the import worker (progress in the store), then trains on them: the
 * trainer and the explorer get the set and a new model is built with dataset "user".
 * A refused set (too few images) changes nothing that runs.
 */
export async function importUserImages(files: ImportFile[]): Promise<void> {
  const { colour } = useUserImagesStore.getState();
  const set = useUserImagesStore.setState;
  if (useUserImagesStore.getState().status === 'importing') return;
  if (files.length === 0) {
    set({ status: 'refused', message: 'Nothing to import: the drop held no files.', skipped: [] });
    return;
  }
  set({ status: 'importing', progress: null, decoding: true, message: '', skipped: [] });
  importer.start();
  try {
    const result = await importer.call((remote) =>
      remote.importImages(
        files,
        { colour },
        Comlink.proxy((progress: ImportProgress) => set({ progress })),
      ),
    );
    if (!result.ok) {
      set({
        status: 'refused',
        progress: null,
        decoding: false,
        message: result.message,
        skipped: result.skipped,
      });
      return;
    }
    // The worker is done: from here on the set is handed over, and Cancel is gone.
    set({ decoding: false });
    const { dataset } = result;
    if (!trainerRunning()) {
      throw new Error('The training worker is not running; press Apply settings.');
    }
    set({ progress: { done: 1, total: 1, label: 'Handing the images to the trainer' } });
    await sendUserTestSet(dataset.info, dataset.test.images, dataset.test.labels);
    await callTrainer((remote) => remote.setUserDataset(dataset));
    kept = dataset;
    const loaded = summary(dataset, colour);
    const total = loaded.trainCount + loaded.testCount;
    const parts = [
      `Loaded ${total.toLocaleString('en-US')} images from "${loaded.name}" ` +
        `in ${(result.ms / 1000).toFixed(1)} s ` +
        `(${loaded.trainCount} to train, ${loaded.testCount} to test; ` +
        `${colour ? '32×32 colour' : '28×28 grey'}; ` +
        (loaded.classes.length === 1
          ? `one class, "${loaded.classes[0]}")`
          : `${loaded.classes.length} classes from the sub-folders)`),
    ];
    if (result.skipped.length > 0) {
      parts.push(
        `${result.skipped.length} file${result.skipped.length === 1 ? ' was' : 's were'} skipped (listed below).`,
      );
    }
    const capNotice =
      result.capped > 0
        ? `The set is capped at ${result.cap.toLocaleString('en-US')} images: ` +
          `${result.capped.toLocaleString('en-US')} of the ${result.found.toLocaleString('en-US')} found were left out (the last by path).`
        : '';
    if (capNotice) parts.push(capNotice);
    const pixelNotice =
      result.pixelCapped > 0
        ? `Decoding stopped at ${(result.maxTotalPixels / 1e9).toLocaleString('en-US')} gigapixels in all: ` +
          `${result.pixelCapped.toLocaleString('en-US')} more pictures were left out (the last by path).`
        : '';
    if (pixelNotice) parts.push(pixelNotice);
    if (result.droppedClasses > 0) {
      parts.push(
        `${result.droppedClasses} sub-folders are more than 256 labels: every image is "unlabelled".`,
      );
    }
    const message = parts.join(' ');
    set({
      status: 'ready',
      progress: null,
      decoding: false,
      message,
      skipped: result.skipped,
      loaded,
    });
    const store = useAppStore.getState();
    if (capNotice) store.addNotice('warning', capNotice);
    if (pixelNotice) store.addNotice('warning', pixelNotice);
    const settings = { ...store.requested, dataset: 'user' as const };
    store.setRequested({ dataset: 'user' });
    await applySettings(settings);
  } catch (error) {
    if (error instanceof WorkerStoppedError && error.message === CANCELLED) {
      set({
        status: 'cancelled',
        progress: null,
        decoding: false,
        message: 'Import cancelled: nothing changed.',
      });
      return;
    }
    set({
      status: 'error',
      progress: null,
      decoding: false,
      message: `The images could not be imported: ${errorText(error)}`,
    });
  }
}
