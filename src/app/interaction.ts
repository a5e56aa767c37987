/**
 * Is the user dragging something that must follow the pointer frame by frame (the latent pad)?
 * While so, the page holds back the redraws that can wait (curves and formulas): each takes
 * tens of milliseconds on a slow machine, longer than a frame, and would make the pad's image
 * lag behind the pointer. Training goes on; the held redraw happens as soon as the drag ends.
 */
let depth = 0;
const listeners = new Set<() => void>();

/** Marks the start of a drag; call the returned function exactly once when it ends. */
export function beginInteraction(): () => void {
  depth++;
  let ended = false;
  return () => {
    if (ended) return;
    ended = true;
    depth--;
    if (depth === 0) for (const listener of [...listeners]) listener();
  };
}

export const isInteracting = (): boolean => depth > 0;

/** Calls `listener` each time the last running drag ends. Returns an unsubscribe function. */
export function onInteractionEnd(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
