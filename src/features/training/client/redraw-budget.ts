/**
 * When the curves panel's charts are built and redrawn (useChartRows): one at a time, each in a
 * task of its own, and within a budget of the main thread.
 *
 * The curves' share of the main thread. While training, the page shares the CPU with the
 * training threads (on two cores every tenth of a core the page takes is lost to training).
 * Redrawing one chart took recharts 20 to 30 ms on a slow machine; on its canvas (LiveChart) it
 * is far less, and the budget then holds the charts to MIN_REDRAW_MS. Each chart's last redraw is
 * timed, from the moment it takes the new data to the end of the task that follows its commit
 * (the effects that draw included), and the charts redraw no more often than keeps their
 * sum under BUDGET of one core (the timing leaves out the frame's layout and paint, about a
 * quarter more): every second on a fast machine, every few seconds on a slow one.
 */
import { useMemo } from 'react';
import {
  REDRAW_STAGGER_MS,
  useMountAfter,
  useStaggeredRedraw,
} from '../../../app/use-throttled-version';

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
 * Chart `index` is built (mounted) MOUNT_MS + index x MOUNT_STAGGER_MS after the curves panel
 * first renders, when the page is idle: building one takes recharts about 100 ms on a slow
 * machine, and all seven at the first curve point made one task of 700 ms.
 */
const MOUNT_MS = 300;
const MOUNT_STAGGER_MS = 150;

/** Rows drawn per chart, whatever the length of the run (a chart is 300 to 900 pixels wide). */
const MAX_ROWS = 150;

/**
 * No rows, always the same array: a chart without data is not redrawn when the curves' version
 * changes (as it does when training starts), which cost recharts 50 to 100 ms a chart.
 */
const NO_ROWS: never[] = [];

/**
 * What chart `index` of the curves panel draws: `source` decimated to MAX_ROWS, taken
 * afresh REDRAW_STAGGER_MS x index after each change of `version` and timed to the end of its
 * redraw (redrawInterval); and whether the chart itself is built yet.
 */
export function useChartRows<T>(
  id: string,
  index: number,
  source: { decimate(maxRows: number): T[] },
  version: number,
): { rows: T[]; built: boolean } {
  const built = useMountAfter(MOUNT_MS + index * MOUNT_STAGGER_MS);
  const shown = useStaggeredRedraw(
    version,
    index * REDRAW_STAGGER_MS,
    (ms) => recordRedrawCost(id, ms),
    // The helper thread is not held out: a redraw on the chart's canvas takes a few ms, and
    // the hold kept the helper out 2.5 % of the time at batch 256 (bench/levers.md, 26).
    false,
  );
  const rows = useMemo(
    () => {
      const drawn = source.decimate(MAX_ROWS);
      return drawn.length > 0 ? drawn : (NO_ROWS as T[]);
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the source mutates; shown tracks it
    [source, shown],
  );
  return { rows, built };
}
