import { CheckpointsPanel, ResumeOffer } from '../components/CheckpointsPanel';
import { CrashPanel } from '../components/CrashPanel';
import { ComparisonPanel } from '../components/ComparisonPanel';
import { ExportPanel } from '../components/ExportPanel';
import { GuidedTour } from '../components/GuidedTour';
import { HyperparamsPanel } from '../components/HyperparamsPanel';
import { ImagesPanel } from '../components/ImagesPanel';
import { LatentExplorer } from '../components/LatentExplorer';
import { LossCharts } from '../components/LossCharts';
import { MathPanel } from '../components/MathPanel';
import { Notices } from '../components/Notices';
import { QualityPanel } from '../components/QualityPanel';
import { RunSettingsPanel } from '../components/RunSettingsPanel';
import { StatusBar } from '../components/StatusBar';
import { TrainingControls } from '../components/TrainingControls';
import { UserImagesPanel } from '../components/UserImagesPanel';

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
