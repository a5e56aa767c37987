/**
 * What the dashboard shows, as lists: the controls beside every tab, and the tabs with their
 * panels, top to bottom. A new panel is one entry here (in a tab's list, or a new tab: its id
 * goes into TAB_IDS in view-state.ts, which the URL's `tab=` and `hide=` read).
 */
import { type ComponentType, lazy } from 'react';
import { BudgetPanel } from '../features/training/client/BudgetPanel';
import { WarmStartPanel } from '../features/warm-start/client/WarmStartPanel';
import { CheckpointsPanel } from '../features/checkpoints/client/CheckpointsPanel';
import { ComparisonPanel } from '../features/quality/client/ComparisonPanel';
import { ExportPanel } from '../features/run-archive/client/ExportPanel';
import { HyperparamsPanel } from '../features/training/client/HyperparamsPanel';
import { ImagesPanel } from '../features/training/client/ImagesPanel';
import { LatentExplorer } from '../features/explorer/client/LatentExplorer';
import { LossCharts } from '../features/training/client/LossCharts';
import { PosteriorPanel } from '../features/explorer/client/PosteriorPanel';
import { ObjectiveSwitchesPanel } from '../features/objective/client/ObjectiveSwitchesPanel';
import { QualityPanel } from '../features/quality/client/QualityPanel';
import { RunSettingsPanel } from '../features/training/client/RunSettingsPanel';
import { TrainingControls } from '../features/training/client/TrainingControls';
import { UserImagesPanel } from '../features/image-import/client/UserImagesPanel';
import type { TabId } from './view-state';

/** KaTeX (about 300 kB with its styles) loads when the Objective tab is first opened. */
const MathPanel = lazy(() =>
  import('../features/objective/client/MathPanel').then((m) => ({ default: m.MathPanel })),
);

/** Beside every tab: the run control and the live loss weights. */
export const SIDEBAR_PANELS: readonly ComponentType[] = [
  TrainingControls,
  WarmStartPanel,
  HyperparamsPanel,
];

export interface TabSpec {
  /** The tab's name. */
  label: string;
  panels: readonly ComponentType[];
  /**
   * `columns`: the panels side by side, the first as wide as its content (the training view:
   * pictures beside the curves); `stack`: one under another.
   */
  layout?: 'columns' | 'stack';
  /** Mounted when first opened (for panels that load code), else with the page. */
  lazy?: boolean;
}

/** Every tab by id; the order is TAB_IDS'. */
export const TABS: { readonly [K in TabId]: TabSpec } = {
  training: { label: 'Training', panels: [ImagesPanel, LossCharts], layout: 'columns' },
  explorer: { label: 'Latent space', panels: [LatentExplorer, PosteriorPanel] },
  quality: { label: 'Quality', panels: [QualityPanel, ComparisonPanel] },
  objective: { label: 'Objective', panels: [ObjectiveSwitchesPanel, MathPanel], lazy: true },
  checkpoints: { label: 'Checkpoints', panels: [CheckpointsPanel] },
  images: { label: 'Your images', panels: [UserImagesPanel] },
  share: { label: 'Save and share', panels: [ExportPanel] },
  model: { label: 'Model and data', panels: [RunSettingsPanel, BudgetPanel] },
};
