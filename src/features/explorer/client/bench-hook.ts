/**
 * `window.vaeganExplorer`: the explorer's state and the pad's latency record, for
 * bench/latent-latency.mjs and the end-to-end tests. Installed by main.tsx, not on import.
 */
import { useExplorerStore } from './explorer-store';
import { clearPadLatencies, type LatencyRecord, padLatencies } from './pad-decoding';

declare global {
  interface Window {
    vaeganExplorer?: {
      getState: typeof useExplorerStore.getState;
      /** Milliseconds from pointer/key event to painted pixels (paint) and to the frame (frame). */
      latencies: () => LatencyRecord;
      clearLatencies: () => void;
    };
  }
}

/** The handle's type, for the end-to-end tests' typed fixture (e2e/test-api.ts). */
export type ExplorerTestApi = NonNullable<Window['vaeganExplorer']>;

/** Puts the explorer's measurement handle on `window`. */
export function installExplorerBenchHook() {
  window.vaeganExplorer = {
    getState: useExplorerStore.getState,
    latencies: padLatencies,
    clearLatencies: clearPadLatencies,
  };
}
