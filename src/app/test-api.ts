/**
 * The handles the page puts on `window` for the end-to-end tests and the benchmarks, as types:
 * e2e/test-api.ts drives them through these, so a renamed store field or hook fails to compile
 * there instead of failing at run time. Types only: nothing here runs.
 */
import type { useAppStore } from './store';
import type { useQualityStore } from '../features/quality/client/quality-store';
import type { debugHooks, trainerDiagnostics } from '../features/training/client/trainer-client';

export type { ExplorerTestApi } from '../features/explorer/client/bench-hook';

/** `window.vaeganPlayground` (installed by main.tsx): the stores, read-only, and the fault hooks. */
export interface PlaygroundTestApi {
  getState: typeof useAppStore.getState;
  quality: typeof useQualityStore.getState;
  debug: typeof debugHooks;
  diagnostics: typeof trainerDiagnostics;
}

declare global {
  interface Window {
    vaeganPlayground?: PlaygroundTestApi;
  }
}
