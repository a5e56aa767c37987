import { ResumeOffer } from '../features/checkpoints/client/CheckpointsPanel';
import { ConfirmDialog } from '../ui/ConfirmDialog';
import { CrashPanel } from '../features/training/client/CrashPanel';
import { Dashboard } from './Dashboard';
import { GuidedTour } from './GuidedTour';
import { Notices } from './Notices';
import { OfflineStatus } from './OfflineStatus';
import { StatusBar } from './StatusBar';

/** The page: a header with the run's status, messages and offers, then the dashboard (panels.tsx). */
export function App() {
  return (
    <div className="app">
      <header className="app-header">
        <h1>
          VAEGAN <span className="muted">Playground</span>
        </h1>
        <StatusBar />
        <OfflineStatus />
      </header>
      <Notices />
      <CrashPanel />
      <ResumeOffer />
      <GuidedTour />
      <ConfirmDialog />
      <Dashboard />
      <footer className="app-footer muted">
        A VAE-GAN (Larsen et al. 2016) trained in a Web Worker with TensorFlow.js. MIT licence.
        MNIST: Yann LeCun and Corinna Cortes, CC BY-SA 3.0. Fashion-MNIST: Zalando Research, MIT.
      </footer>
    </div>
  );
}
