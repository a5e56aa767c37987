/**
 * Keeps the URL and the store in step: the URL's settings go into the store once at load (with
 * a notice per ignored or clamped value), and from then on the URL follows the run, so the
 * address bar is always a link that reproduces it.
 */
import { useAppStore, type AppState } from './store';
import { readUrlState, writeUrlState, type UrlState } from './url-state';

/** Applies settings read from the URL to the store, before the worker starts. */
export function applyUrlState(url: UrlState) {
  const store = useAppStore.getState();
  for (const problem of url.problems) store.addNotice('warning', problem);
  if (url.backend) store.setBackendRequest(url.backend);
  if (Object.keys(url.settings).length > 0) store.setRequested(url.settings);
  if (Object.keys(url.hyperparams).length > 0) store.setHyperparams(url.hyperparams);
  if (Object.keys(url.budget).length > 0) store.setBudget(url.budget);
}

/** The run a link should reproduce: the model that runs once there is one, else the form. */
function urlFor(s: AppState, current: string): string {
  return writeUrlState(
    {
      settings: s.running ?? s.requested,
      hyperparams: s.hyperparams,
      budget: s.budget,
      backend: s.backend?.requested ?? s.backendRequest,
    },
    current,
  );
}

/** Reads the URL into the store, then mirrors the store into the URL. Returns a stop function. */
export function startUrlSync(): () => void {
  applyUrlState(readUrlState(window.location.search));
  const write = (s: AppState) => {
    const search = urlFor(s, window.location.search);
    if (search !== window.location.search) {
      window.history.replaceState(window.history.state, '', `${search}${window.location.hash}`);
    }
  };
  write(useAppStore.getState());
  return useAppStore.subscribe((s, prev) => {
    if (
      s.running !== prev.running ||
      s.requested !== prev.requested ||
      s.hyperparams !== prev.hyperparams ||
      s.budget !== prev.budget ||
      s.backend !== prev.backend ||
      s.backendRequest !== prev.backendRequest
    ) {
      write(s);
    }
  });
}
