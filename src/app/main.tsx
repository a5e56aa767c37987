import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { useAppStore } from './store';
import { startTrainer } from './trainer-client';
import { readUrlState } from './url-state';
import './styles.css';

const url = readUrlState(window.location.search);
const store = useAppStore.getState();
for (const problem of url.problems) store.addNotice('warning', problem);
if (url.backend) store.setBackendRequest(url.backend);
if (url.dataset) store.setRequested({ dataset: url.dataset });

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

// A read-only handle for benchmarks and end-to-end tests (bench/throughput.mjs reads the curves).
declare global {
  interface Window {
    vaeganPlayground?: { getState: typeof useAppStore.getState };
  }
}
window.vaeganPlayground = { getState: useAppStore.getState };

const { backendRequest, requested, hyperparams } = useAppStore.getState();
void startTrainer(backendRequest, requested, hyperparams);
