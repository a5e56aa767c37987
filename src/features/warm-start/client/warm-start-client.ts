/**
 * "Start from a trained model": fetches the run shipped for the data set in use (only now,
 * never on a first visit: public/pretrained/ is not part of the page's load) and hands it to the
 * training worker like an imported run, so the samples are good at once and Train continues.
 */
import { create } from 'zustand';
import { useAppStore } from '../../../app/store';
import { formatBytes, importRunBytes } from '../../run-archive/client/run-io';
import { type PretrainedEntry, parsePretrainedManifest, trainedText } from '../shared/pretrained';

interface WarmStartState {
  busy: boolean;
  /** The shipped run that was loaded last, for its record. */
  loaded: PretrainedEntry | null;
}

export const useWarmStart = create<WarmStartState>()(() => ({ busy: false, loaded: null }));

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

const DATASET_NAMES = { mnist: 'MNIST', 'fashion-mnist': 'Fashion-MNIST' } as const;

async function fetchOk(path: string): Promise<Response> {
  const response = await fetch(new URL(path, document.baseURI));
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response;
}

/** Loads the shipped run of the data set in use; returns whether it now runs. */
export async function startFromTrained(): Promise<boolean> {
  const store = useAppStore.getState();
  const dataset = (store.running ?? store.requested).dataset;
  if (dataset === 'user') {
    store.addNotice(
      'warning',
      'Trained models come for MNIST and Fashion-MNIST; choose one of them under "Model and data" first.',
    );
    return false;
  }
  const name = DATASET_NAMES[dataset];
  useWarmStart.setState({ busy: true });
  try {
    const manifest = parsePretrainedManifest(
      await (await fetchOk('pretrained/manifest.json')).json(),
    );
    const entry = manifest.runs.find((r) => r.dataset === dataset);
    if (!entry) throw new Error(`no trained model is shipped for ${name}`);
    const bytes = await (await fetchOk(`pretrained/${entry.file}`)).arrayBuffer();
    const ok = await importRunBytes(
      bytes,
      `the trained ${name} model (${formatBytes(bytes.byteLength)})`,
    );
    if (ok) {
      useWarmStart.setState({ loaded: entry });
      store.addNotice('info', `The trained ${name} model: ${trainedText(entry)}.`);
    }
    return ok;
  } catch (error) {
    store.addNotice(
      'error',
      `Could not load the trained ${name} model: ${errorText(error)}. Training from scratch works as before.`,
    );
    return false;
  } finally {
    useWarmStart.setState({ busy: false });
  }
}
