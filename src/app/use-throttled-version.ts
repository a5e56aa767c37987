import { type RefObject, startTransition, useCallback, useEffect, useRef, useState } from 'react';
import { watchInView } from './in-view';
import { beginPageWork, isInteracting, onInteractionEnd } from './interaction';
import { useAppStore } from './store';

/**
 * The store's curve version, followed at most every `ms`: curve points arrive up to 4 times a
 * second, and charts and formulas need not redraw that often. The version is held, and catches
 * up at once when the hold ends, while the latent pad is dragged (see ./interaction) and, given
 * `target`, while that element is out of view: the page does not spend a core the training
 * shares on curves nobody can see.
 */
export function useThrottledMetricsVersion(
  ms: number | (() => number) = 250,
  target?: RefObject<Element | null>,
): number {
  const [version, setVersion] = useState(() => useAppStore.getState().metricsVersion);
  useEffect(() => {
    // A function: the wait is asked afresh each time (LossCharts.tsx sizes it to the charts' cost).
    const wait = typeof ms === 'function' ? ms : () => ms;
    let timer: ReturnType<typeof setTimeout> | null = null;
    let held = false;
    let inView = true;
    const follow = () => {
      // A transition: React renders the charts in slices and lets input in between, instead
      // of blocking the page for the whole redraw.
      startTransition(() => setVersion(useAppStore.getState().metricsVersion));
    };
    const release = () => {
      if (!held || isInteracting() || !inView) return;
      held = false;
      follow();
    };
    const unsubscribe = useAppStore.subscribe((state, previous) => {
      if (state.metricsVersion === previous.metricsVersion) return;
      // A cleared run (Reset, a new model) shows at once: no old curves beside "0 points".
      if (state.series.length === 0) {
        if (timer !== null) clearTimeout(timer);
        timer = null;
        follow();
        return;
      }
      if (timer !== null) return;
      timer = setTimeout(() => {
        timer = null;
        if (isInteracting() || !inView) held = true;
        else follow();
      }, wait());
    });
    const unlisten = onInteractionEnd(release);
    const element = target?.current;
    const unwatch = element
      ? watchInView(element, (visible) => {
          inView = visible;
          release();
        })
      : undefined;
    return () => {
      unsubscribe();
      unlisten();
      unwatch?.();
      if (timer !== null) clearTimeout(timer);
    };
  }, [ms, target]);
  return version;
}

/** Apart in time, so that each of a group of charts redraws in a task of its own. */
export const REDRAW_STAGGER_MS = 120;

/**
 * `value`, followed `delayMs` after each change: a group of views given 0, d, 2d, … redraws
 * one view at a time, in tasks of their own, instead of all of them in one long task.
 */
export function useStaggeredValue<T>(value: T, delayMs: number, onShow?: () => void): T {
  const [shown, setShown] = useState(() => value);
  useEffect(() => {
    if (Object.is(value, shown)) return;
    const timer = setTimeout(() => {
      onShow?.();
      startTransition(() => setShown(() => value));
    }, delayMs);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- shown and onShow are read as they are
  }, [value, delayMs]);
  return shown;
}

/**
 * A chart's redraw, staggered as useStaggeredValue, that leaves the training's helper thread
 * out while it runs (beginPageWork): from the moment the chart takes `value` to the end of the
 * task after its commit, where recharts' own store updates have run too. `onDrawn` gets that
 * time in ms.
 */
export function useStaggeredRedraw<T>(
  value: T,
  delayMs: number,
  onDrawn?: (ms: number) => void,
  /** Leave the training's helper thread out meanwhile (false: only time the redraw). */
  holdHelpers = true,
): T {
  const started = useRef<{ t0: number; end: () => void } | null>(null);
  const drawn = useRef(onDrawn);
  useEffect(() => {
    drawn.current = onDrawn;
  });
  const onShow = useCallback(() => {
    started.current?.end();
    started.current = { t0: performance.now(), end: holdHelpers ? beginPageWork() : () => {} };
  }, [holdHelpers]);
  const shown = useStaggeredValue(value, delayMs, onShow);
  useEffect(() => {
    const redraw = started.current;
    if (!redraw) return;
    // In a task after this one: after the effects of this commit and the updates they cause.
    const timer = setTimeout(() => {
      started.current = null;
      redraw.end();
      drawn.current?.(performance.now() - redraw.t0);
    }, 0);
    return () => clearTimeout(timer);
  }, [shown]);
  // Unmounted mid-redraw: the helper is not left out.
  useEffect(() => () => started.current?.end(), []);
  return shown;
}

/**
 * False until `delayMs` have passed and the page is next idle: a view that is costly to build
 * (a chart) mounts in a task of its own, before it is needed, instead of with the others in one
 * long task when the first data arrive.
 */
export function useMountAfter(delayMs: number): boolean {
  const [mounted, setMounted] = useState(false);
  useEffect(() => {
    let idle: number | undefined;
    const timer = setTimeout(() => {
      if (typeof requestIdleCallback === 'function') {
        idle = requestIdleCallback(() => setMounted(true), { timeout: 1000 });
      } else setMounted(true);
    }, delayMs);
    return () => {
      clearTimeout(timer);
      if (idle !== undefined) cancelIdleCallback(idle);
    };
  }, [delayMs]);
  return mounted;
}
