/**
 * Which run this tab is: an id kept in sessionStorage (so a reload of the tab, or of a tab
 * that crashed, is the same run) and held as a Web Lock for as long as the page lives (so other
 * tabs can tell a run whose tab is open from one whose tab is gone). A duplicated tab copies
 * sessionStorage but cannot take the lock, so it starts a run of its own. Checkpoints carry the
 * id: each tab prunes, resumes and restarts from its own run's only.
 */

const STORAGE_KEY = 'vaegan-playground.run-id';
const LOCK_PREFIX = 'vaegan-playground.run:';

interface Locks {
  request(
    name: string,
    options: { ifAvailable: boolean },
    callback: (lock: unknown) => Promise<void> | void,
  ): Promise<unknown>;
  query(): Promise<{ held?: { name?: string }[] }>;
}

/** Web Locks, where the browser has them (every current one does). */
const locks = (): Locks | undefined =>
  (globalThis.navigator as { locks?: Locks } | undefined)?.locks;

const newId = () =>
  typeof crypto.randomUUID === 'function'
    ? crypto.randomUUID()
    : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;

function remember(id: string) {
  try {
    sessionStorage.setItem(STORAGE_KEY, id);
  } catch {
    // Storage off: the id still holds for this page.
  }
}

/** Ends the hold on the current id's lock (set while one is held). */
let release: (() => void) | null = null;

/** Takes the lock of `id` unless another page holds it; held until `release` is called. */
function hold(id: string): Promise<boolean> {
  const api = locks();
  if (!api) return Promise.resolve(true);
  return new Promise((resolve) => {
    void api.request(`${LOCK_PREFIX}${id}`, { ifAvailable: true }, (lock) => {
      if (!lock) {
        resolve(false);
        return;
      }
      return new Promise<void>((end) => {
        release = end;
        resolve(true);
      });
    });
  });
}

let current: Promise<string> | null = null;

async function claim(): Promise<string> {
  let id: string | null;
  try {
    id = sessionStorage.getItem(STORAGE_KEY);
  } catch {
    id = null; // storage off: a run for this page only
  }
  if (!id || !(await hold(id))) {
    id = newId();
    await hold(id);
  }
  remember(id);
  return id;
}

/** This tab's run id (claimed on first use). */
export function tabRunId(): Promise<string> {
  current ??= claim();
  return current;
}

/**
 * Continues another run in this tab (resuming a checkpoint of a tab that is gone): this tab
 * takes its id, so its checkpoints are pruned and resumed from as this tab's own. Resolves
 * false, changing nothing, when another open tab holds that run.
 */
export async function adoptRun(id: string): Promise<boolean> {
  const mine = await tabRunId();
  if (id === mine) return true;
  const previous = release;
  release = null;
  if (!(await hold(id))) {
    release = previous;
    return false;
  }
  previous?.();
  current = Promise.resolve(id);
  remember(id);
  return true;
}

/** The ids of runs whose tab is open now (this one included); empty without Web Locks. */
export async function openRunIds(): Promise<Set<string>> {
  const api = locks();
  if (!api) return new Set();
  const { held = [] } = await api.query();
  return new Set(
    held
      .map((l) => l.name ?? '')
      .filter((n) => n.startsWith(LOCK_PREFIX))
      .map((n) => n.slice(LOCK_PREFIX.length)),
  );
}
