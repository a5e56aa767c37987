import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { useQualityStore } from '../features/quality/client/quality-store';
import { useAppStore } from './store';
import {
  debugHooks,
  startTrainer,
  trainerDiagnostics,
} from '../features/training/client/trainer-client';
import { startUrlSync } from './url-sync';
import { startViewSync } from './view';
import { prepareIsolation, startOffline } from './offline';
import { startAutosave } from '../features/checkpoints/client/autosave';
import { connectExplorerToTrainer } from '../features/explorer/client/weights-loader';
import { installExplorerBenchHook } from '../features/explorer/client/bench-hook';
import { connectQualityToTrainer } from '../features/quality/client/quality-client';
import { connectImageImportToTrainer } from '../features/image-import/client/import-client';
import { connectNormsToTrainer } from '../features/training/client/norms-series';
import './styles.css';

// Settings from the URL (clamped or ignored with a notice), then the URL follows the run; the
// same for the view (the open tab, the parts a link hides).
startUrlSync();
startViewSync();

// What hears the training session: weight snapshots to the latent explorer and the quality
// measures, the user's images to each new training worker. (The comparison run subscribes
// while it runs.) Before the first worker starts, so no event goes unheard.
connectExplorerToTrainer();
connectQualityToTrainer();
connectImageImportToTrainer();
connectNormsToTrainer();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

// A handle for benchmarks and end-to-end tests: the stores read-only (bench/throughput.mjs reads
// the curves, bench/compare-models.mjs the quality measures) and the fault-injection hooks (lose
// the GPU, poison a weight, crash the worker).
// Its type is PlaygroundTestApi (./test-api.ts), which the end-to-end tests import.
window.vaeganPlayground = {
  getState: useAppStore.getState,
  quality: useQualityStore.getState,
  debug: debugHooks,
  diagnostics: trainerDiagnostics,
};
// The latent explorer's state and pad latencies (bench/latent-latency.mjs).
installExplorerBenchHook();

// A host that cannot send the isolation headers gets them from the service worker, after one
// reload: nothing starts before that, so the first visit downloads nothing twice.
if ((await prepareIsolation()) !== 'reloading') {
  const { backendRequest, requested, hyperparams } = useAppStore.getState();
  void startTrainer(backendRequest, requested, hyperparams);
  // Checkpoints to IndexedDB while training, and the offer to resume the newest after a reload.
  startAutosave();
  // The service worker: offline visits, updates, the install prompt.
  startOffline();
}
