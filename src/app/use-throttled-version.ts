import { startTransition, useEffect, useState } from 'react';
import { useAppStore } from './store';

/**
 * The store's curve version, followed at most every `ms`: curve points arrive up to 10 times a
 * second, and charts and formulas need not redraw that often.
 */
export function useThrottledMetricsVersion(ms = 250): number {
  const [version, setVersion] = useState(() => useAppStore.getState().metricsVersion);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const unsubscribe = useAppStore.subscribe((state, previous) => {
      if (state.metricsVersion === previous.metricsVersion || timer !== null) return;
      timer = setTimeout(() => {
        timer = null;
        // A transition: React renders the charts in slices and lets input (a drag on the
        // latent pad) in between, instead of blocking the page for the whole redraw.
        startTransition(() => setVersion(useAppStore.getState().metricsVersion));
      }, ms);
    });
    return () => {
      unsubscribe();
      if (timer !== null) clearTimeout(timer);
    };
  }, [ms]);
  return version;
}
