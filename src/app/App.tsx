import { BudgetPanel } from '../features/training/client/BudgetPanel';
import { WarmStartPanel } from '../features/warm-start/client/WarmStartPanel';
import { CheckpointsPanel, ResumeOffer } from '../features/checkpoints/client/CheckpointsPanel';
import { CrashPanel } from '../features/training/client/CrashPanel';
import { ComparisonPanel } from '../features/quality/client/ComparisonPanel';
import { ExportPanel } from '../features/run-archive/client/ExportPanel';
import { GuidedTour } from './GuidedTour';
import { HyperparamsPanel } from '../features/training/client/HyperparamsPanel';
import { ImagesPanel } from '../features/training/client/ImagesPanel';
import { LatentExplorer } from '../features/explorer/client/LatentExplorer';
import { LossCharts } from '../features/training/client/LossCharts';
import { MathPanel } from '../features/objective/client/MathPanel';
import { Notices } from './Notices';
import { QualityPanel } from '../features/quality/client/QualityPanel';
import { RunSettingsPanel } from '../features/training/client/RunSettingsPanel';
import { StatusBar } from './StatusBar';
import { TrainingControls } from '../features/training/client/TrainingControls';
import { UserImagesPanel } from '../features/image-import/client/UserImagesPanel';

export function App() {
  return (
    <div className="app">
      <header className="app-header">
        <h1>
          VAEGAN <span className="muted">Playground</span>
        </h1>
        <StatusBar />
      </header>
      <Notices />
      <CrashPanel />
      <ResumeOffer />
      <GuidedTour />
      <main className="layout">
        <aside className="sidebar">
          <TrainingControls />
          <WarmStartPanel />
          <BudgetPanel />
          <HyperparamsPanel />
          <RunSettingsPanel />
          <UserImagesPanel />
        </aside>
        <div className="content">
          <ImagesPanel />
          <ComparisonPanel />
          <LatentExplorer />
          <LossCharts />
          <QualityPanel />
          <ExportPanel />
          <CheckpointsPanel />
          <MathPanel />
        </div>
      </main>
      <footer className="app-footer muted">
        A VAE-GAN (Larsen et al. 2016) trained in a Web Worker with TensorFlow.js. MNIST: Yann LeCun
        and Corinna Cortes, CC BY-SA 3.0. Fashion-MNIST: Zalando Research, MIT.
      </footer>
    </div>
  );
}
