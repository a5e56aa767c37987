import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { useAppStore } from './store';
import { startTrainer, trainerDiagnostics } from './trainer-client';
import { startUrlSync } from './url-sync';
import { startAutosave } from './autosave';
import './styles.css';

// Settings from the URL (clamped or ignored with a notice), then the URL follows the run.
startUrlSync();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

// A read-only handle for benchmarks and end-to-end tests (bench/throughput.mjs reads the curves).
declare global {
  interface Window {
    vaeganPlayground?: {
      getState: typeof useAppStore.getState;
      diagnostics: typeof trainerDiagnostics;
    };
  }
}
window.vaeganPlayground = { getState: useAppStore.getState, diagnostics: trainerDiagnostics };

const { backendRequest, requested, hyperparams } = useAppStore.getState();
void startTrainer(backendRequest, requested, hyperparams);
// Checkpoints to IndexedDB while training, and the offer to resume the newest after a reload.
startAutosave();
