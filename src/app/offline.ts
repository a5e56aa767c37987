/**
 * The page's side of the service worker (src/service-worker/sw.ts): registers it, reloads once
 * where it is needed for cross-origin isolation (a host that cannot send the headers), asks it
 * to keep the data set in use for offline visits, offers a waiting new version, and the
 * browser's install prompt. Build only: the dev server has no service worker.
 */
import { Workbox } from 'workbox-window';
import { create } from 'zustand';
import { dataFilesOf, fetchBytes, loadManifest } from '../shared/dataset';
import { DATASET_IDS, type BuiltinDatasetId } from '../shared/settings';
import type { SaveForOfflineReply, ServiceWorkerMessage } from '../service-worker/messages';
import { useAppStore } from './store';

/** Set for the tab's session once the page reloaded for isolation, so it never loops. */
const RELOAD_KEY = 'vaegan-playground.isolation-reload';
/** How long a first visit waits for the service worker before it runs without isolation. */
const CONTROL_TIMEOUT_MS = 20_000;

/** The browser's install prompt (Chromium's beforeinstallprompt event; not in the DOM types). */
interface InstallPromptEvent extends Event {
  prompt(): Promise<void>;
  userChoice: Promise<{ outcome: 'accepted' | 'dismissed' }>;
}

export interface OfflineState {
  /** no: no service worker here (dev server, old browser, storage blocked); else its progress. */
  worker: 'no' | 'starting' | 'ready' | 'failed';
  /** Data sets whose files (and classifier) the service worker holds, by name ("MNIST"). */
  saved: string[];
  /** A new version is installed and waits for the page to take it. */
  updateWaiting: boolean;
  /** The browser offers to install the app (Chromium). */
  installable: boolean;
}

export const useOfflineStore = create<OfflineState>()(() => ({
  worker: 'no',
  saved: [],
  updateWaiting: false,
  installable: false,
}));

let workbox: Workbox | undefined;
let installPrompt: InstallPromptEvent | undefined;

const supported = () =>
  import.meta.env.PROD && 'serviceWorker' in navigator && window.isSecureContext;

function sessionFlag(): string | null | undefined {
  try {
    return sessionStorage.getItem(RELOAD_KEY);
  } catch {
    return undefined; // storage blocked: no way to guard a reload, so none is made
  }
}

/** Registers the service worker once; resolves to false when the browser refuses it. */
async function register(): Promise<boolean> {
  if (workbox) return true;
  useOfflineStore.setState({ worker: 'starting' });
  const wb = new Workbox('sw.js', { scope: './' });
  wb.addEventListener('waiting', () => useOfflineStore.setState({ updateWaiting: true }));
  try {
    await wb.register();
  } catch {
    useOfflineStore.setState({ worker: 'failed' });
    return false;
  }
  workbox = wb;
  return true;
}

/** Resolves once a service worker controls the page, or with false after `timeoutMs`. */
function controlled(timeoutMs: number): Promise<boolean> {
  if (navigator.serviceWorker.controller) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    navigator.serviceWorker.addEventListener(
      'controllerchange',
      () => {
        clearTimeout(timer);
        resolve(true);
      },
      { once: true },
    );
  });
}

/**
 * Makes sure the page is cross-origin isolated before the training worker starts, if it can
 * be: a page the host sent without COOP/COEP registers the service worker, waits until it
 * controls the page and reloads once, since only a response that carries the headers
 * (now from the service worker) isolates a page. Resolves to `reloading` when it reloads
 * (start nothing then), else to whether the page is isolated.
 */
export async function prepareIsolation(): Promise<'isolated' | 'not isolated' | 'reloading'> {
  if (window.crossOriginIsolated) return 'isolated';
  if (!supported() || sessionFlag() !== null) return 'not isolated';
  useAppStore.setState({
    statusMessage: 'Setting up the offline copy: the page reloads once, for WebAssembly threads',
  });
  if (!(await register()) || !(await controlled(CONTROL_TIMEOUT_MS))) {
    useAppStore.setState({ statusMessage: '' });
    return 'not isolated';
  }
  try {
    sessionStorage.setItem(RELOAD_KEY, String(Date.now()));
  } catch {
    return 'not isolated';
  }
  window.location.reload();
  return 'reloading';
}

/** The URLs the workers fetch for one built-in data set: the set and its classifier. */
async function dataUrls(id: BuiltinDatasetId): Promise<{ name: string; urls: string[] }> {
  const datasets = new URL('datasets/', document.baseURI).href;
  const classifiers = new URL('classifiers/', document.baseURI).href;
  const manifest = await loadManifest(datasets, fetchBytes);
  const info = manifest.datasets.find((d) => d.id === id);
  if (!info) throw new Error(`${id} is not in the data set manifest`);
  const files = Object.values(dataFilesOf(info)).map((f) => new URL(f.path, datasets).href);
  const urls = [new URL('manifest.json', datasets).href, ...files];
  // The quality panel's classifier: its file name is in the classifiers' manifest.
  const response = await fetch(new URL('manifest.json', classifiers));
  const weights = (
    (await response.json()) as { classifiers?: Record<string, { weights?: unknown }> }
  ).classifiers?.[id]?.weights;
  urls.push(new URL('manifest.json', classifiers).href);
  if (typeof weights === 'string') urls.push(new URL(weights, classifiers).href);
  return { name: info.name, urls };
}

const saving = new Set<BuiltinDatasetId>();

/** Asks the service worker to keep a data set (its workers fetched it before it controlled them). */
async function save(id: BuiltinDatasetId) {
  if (!workbox || saving.has(id)) return;
  saving.add(id);
  try {
    const { name, urls } = await dataUrls(id);
    const message: ServiceWorkerMessage = {
      type: 'SAVE_FOR_OFFLINE',
      payload: { urlsToCache: urls },
    };
    const reply = (await workbox.messageSW(message)) as SaveForOfflineReply;
    if (reply.failed.length === 0) {
      useOfflineStore.setState((s) => ({
        saved: s.saved.includes(name) ? s.saved : [...s.saved, name],
      }));
      return;
    }
  } catch {
    // Not saved this time (offline, storage full): tried again when the set loads next.
  }
  saving.delete(id);
}

/**
 * Starts the offline side once the training worker is ready (so installing the service worker
 * never competes with the first load): registers it where `prepareIsolation` has not, and
 * saves every built-in data set a model is built on.
 */
export function startOffline() {
  window.addEventListener('beforeinstallprompt', (event) => {
    event.preventDefault();
    installPrompt = event as InstallPromptEvent;
    useOfflineStore.setState({ installable: true });
  });
  window.addEventListener('appinstalled', () => useOfflineStore.setState({ installable: false }));
  if (!supported()) return;
  let started = false;
  const check = async (state = useAppStore.getState()) => {
    const dataset = state.running?.dataset;
    if (state.status !== 'ready' && state.status !== 'training' && state.status !== 'paused')
      return;
    if (!started) {
      started = true;
      if (!(await register())) return;
      await navigator.serviceWorker.ready;
      useOfflineStore.setState({ worker: 'ready' });
    }
    if (workbox && dataset && (DATASET_IDS as readonly string[]).includes(dataset)) {
      await save(dataset as BuiltinDatasetId);
    }
  };
  useAppStore.subscribe((s, prev) => {
    if (s.status !== prev.status || s.running !== prev.running) void check(s);
  });
  void check();
}

/** Takes the waiting new version: the page reloads once it controls the page. */
export function applyUpdate() {
  if (!workbox) return;
  workbox.addEventListener('controlling', () => window.location.reload());
  workbox.messageSkipWaiting();
}

/** Shows the browser's install prompt; resolves to whether the user installed. */
export async function install(): Promise<boolean> {
  const prompt = installPrompt;
  if (!prompt) return false;
  installPrompt = undefined;
  useOfflineStore.setState({ installable: false });
  await prompt.prompt();
  return (await prompt.userChoice).outcome === 'accepted';
}
