/**
 * Named starting points the "Model and data" panel offers: a whole set of settings from the
 * settings table (./settings.ts) at once, the run settings, the live ones and the training
 * budget. A preset is only settings, so its run is also a link (the URL holds every one).
 * Pure data: no tfjs, no DOM.
 */
import {
  DEFAULT_BUDGET,
  DEFAULT_HYPERPARAMS,
  DEFAULT_RUN_SETTINGS,
  type Hyperparams,
  type RunSettings,
  type TrainingBudget,
} from './settings';

export interface Preset {
  id: string;
  /** The button's words (its accessible name). */
  label: string;
  /** What it is for and what it costs, for the button's help. */
  description: string;
  /** Run settings other than the data set, which stays the user's. */
  settings: Omit<RunSettings, 'dataset'>;
  hyperparams: Hyperparams;
  budget: TrainingBudget;
}

const { dataset: _dataset, ...DEFAULT_MODEL } = DEFAULT_RUN_SETTINGS;

export const PRESETS: readonly Preset[] = [
  {
    id: 'default',
    label: 'Default',
    description:
      "The app's defaults: the seed's 784-512-16 networks, batch 64, constant learning rates, no budget.",
    settings: DEFAULT_MODEL,
    hyperparams: DEFAULT_HYPERPARAMS,
    budget: DEFAULT_BUDGET,
  },
  {
    id: 'likelihood-30',
    label: 'Best likelihood (30 min)',
    description:
      'Tuned for the test likelihood after 30 minutes of training on two CPU cores: a plain VAE (γ = 0) ' +
      'whose discriminator does not watch, so each step is phase 1 alone (about three times the images a second), ' +
      'training images binarised afresh at every step (as the test likelihood is measured), ' +
      'hidden layers of 1,024 units, a 32-dimensional code, batches of 128 (about a quarter more images a second than 64), ' +
      'and Adam at 0.002 decaying along a cosine over a budget of 30 minutes, ' +
      'after which training stops (bench/quality.md, "30 minutes in the browser").',
    settings: { ...DEFAULT_MODEL, latentDim: 32, hiddenUnits: 1024, batchSize: 128 },
    hyperparams: {
      ...DEFAULT_HYPERPARAMS,
      gamma: 0,
      dWatches: false,
      binarize: true,
      lrVae: 0.002,
    },
    budget: { ...DEFAULT_BUDGET, budgetUnit: 'minutes', budget: 30, lrSchedule: 'cosine' },
  },
  {
    id: 'sharp-samples',
    label: 'Sharp samples (VAEGAN)',
    description:
      'Tuned for sharp prior samples (a low FCD) in minutes: the default networks with the adversarial term five times ' +
      'as strong (γ = 0.5) and D and the generator side learning 2.5 times as fast (0.0005), ' +
      "so the decoder learns from D early; no budget. At equal training time its FCD is below both plain VAEs' " +
      '(bench/quality.md, "30 minutes in the browser"), while its likelihood is a few nats worse.',
    settings: DEFAULT_MODEL,
    hyperparams: { ...DEFAULT_HYPERPARAMS, gamma: 0.5, lrD: 0.0005, lrG: 0.0005 },
    budget: DEFAULT_BUDGET,
  },
];
