/**
 * The curves' share of the main thread. While training, the page shares the CPU with the
 * training threads (on two cores every tenth of a core the page takes is lost to training), and
 * redrawing one chart takes recharts 20 to 30 ms on a slow machine. Each chart's last redraw is
 * timed, from the moment it takes the new data to the end of the task that follows its commit
 * (recharts' own store updates included), and the charts redraw no more often than keeps their
 * sum under BUDGET of one core (the timing leaves out the frame's layout and paint, about a
 * quarter more): every second on a fast machine, every few seconds on a slow one.
 */
import { type RefObject, useCallback, useEffect, useRef } from 'react';

/** Charts redraw at most this often... */
export const MIN_REDRAW_MS = 1000;
/** ...and at least this often while the curves are in view. */
export const MAX_REDRAW_MS = 4000;
/** The share of one core the charts' redraws may take. */
const BUDGET = 0.06;

const costs = new Map<string, number>();

/** Notes that chart `id`'s last redraw took `ms` of the main thread. */
export function recordRedrawCost(id: string, ms: number): void {
  costs.set(id, Math.min(1000, Math.max(0, ms)));
}

/** How long the charts wait between redraws, from their last measured cost. */
export function redrawInterval(): number {
  let total = 0;
  for (const ms of costs.values()) total += ms;
  return Math.round(Math.min(MAX_REDRAW_MS, Math.max(MIN_REDRAW_MS, total / BUDGET)));
}

/**
 * The start of a chart's redraw: `startedRef` holds when it took new data; `onShow` sets it (pass
 * it to useStaggeredVersion).
 */
export function useRedrawStart(): { startedRef: RefObject<number>; onShow: () => void } {
  const startedRef = useRef(0);
  const onShow = useCallback(() => {
    startedRef.current = performance.now();
  }, []);
  return { startedRef, onShow };
}

/** Ends the timing of chart `id`'s redraw once `rows`, the data it draws, has been drawn. */
export function useRedrawEnd(id: string, rows: unknown, startedRef: RefObject<number>): void {
  useEffect(() => {
    const t0 = startedRef.current;
    if (t0 === 0) return;
    startedRef.current = 0;
    // In a task after this one: after the effects of this commit and the updates they cause.
    const timer = setTimeout(() => recordRedrawCost(id, performance.now() - t0), 0);
    return () => clearTimeout(timer);
  }, [id, rows, startedRef]);
}
