import { startTransition, useEffect, useState } from 'react';
import { isInteracting, onInteractionEnd } from './interaction';
import { useAppStore } from './store';

/**
 * The store's curve version, followed at most every `ms`: curve points arrive up to 10 times a
 * second, and charts and formulas need not redraw that often. During a drag on the latent pad
 * the version is held and catches up when the drag ends (see ./interaction).
 */
export function useThrottledMetricsVersion(ms = 250): number {
  const [version, setVersion] = useState(() => useAppStore.getState().metricsVersion);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    let held = false;
    const follow = () => {
      // A transition: React renders the charts in slices and lets input in between, instead
      // of blocking the page for the whole redraw.
      startTransition(() => setVersion(useAppStore.getState().metricsVersion));
    };
    const unsubscribe = useAppStore.subscribe((state, previous) => {
      if (state.metricsVersion === previous.metricsVersion || timer !== null) return;
      timer = setTimeout(() => {
        timer = null;
        if (isInteracting()) held = true;
        else follow();
      }, ms);
    });
    const unlisten = onInteractionEnd(() => {
      if (!held) return;
      held = false;
      follow();
    });
    return () => {
      unsubscribe();
      unlisten();
      if (timer !== null) clearTimeout(timer);
    };
  }, [ms]);
  return version;
}
