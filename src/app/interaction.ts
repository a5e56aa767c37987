/**
 * Is the user dragging something that must follow the pointer frame by frame (the latent pad)?
 * While so, the page holds back the redraws that can wait (curves and formulas): each takes
 * tens of milliseconds on a slow machine, longer than a frame, and would make the pad's image
 * lag behind the pointer. Training goes on; the held redraw happens as soon as the drag ends.
 */
let depth = 0;
const listeners = new Set<() => void>();

/**
 * The drag state for the training worker, as one Int32 in shared memory (a cross-origin
 * isolated page only): non-zero while a drag runs. The worker's matrix product reads it before
 * each product and leaves its helper threads out meanwhile, so the page gets a core at once,
 * not after the step that is running (gemm-pool.ts).
 */
export const interactionSignal: Int32Array | undefined =
  typeof SharedArrayBuffer !== 'undefined' &&
  (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true
    ? new Int32Array(new SharedArrayBuffer(4))
    : undefined;

/** Bursts of page work under way (beginPageWork): they hold the helpers too, not the redraws. */
let busy = 0;

function signal() {
  if (interactionSignal) Atomics.store(interactionSignal, 0, depth + busy);
}

/** Calls `change(1)` now and returns an end that calls `change(-1)` the first time only. */
function counted(change: (by: 1 | -1) => void): () => void {
  change(1);
  let ended = false;
  return () => {
    if (ended) return;
    ended = true;
    change(-1);
  };
}

/**
 * Marks the start of a short burst of main-thread work that should not wait for a core (a
 * chart's redraw): the training worker leaves its helper threads out meanwhile, as during a
 * drag, but nothing is held back. Call the returned function exactly once when it ends.
 */
export const beginPageWork = (): (() => void) =>
  counted((by) => {
    busy += by;
    signal();
  });

/** Marks the start of a drag; call the returned function exactly once when it ends. */
export const beginInteraction = (): (() => void) =>
  counted((by) => {
    depth += by;
    signal();
    if (by < 0 && depth === 0) for (const listener of [...listeners]) listener();
  });

export const isInteracting = (): boolean => depth > 0;

/** Whether the training worker is told to leave its helper threads out (a drag or page work). */
export const helpersHeld = (): boolean => depth + busy > 0;

/** Calls `listener` each time the last running drag ends. Returns an unsubscribe function. */
export function onInteractionEnd(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
