import { memo, useMemo, useState } from 'react';
import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { measureNow, setQualitySettings } from './quality-client';
import { MemorisationCheck } from './MemorisationCheck';
import { RUN_STYLE, RunFigures } from './RunFigures';
import {
  AUTO_INTERVAL_S,
  K_CHOICES,
  useQualityStore,
  type QualityPoint,
  type RunQuality,
} from './quality-store';
import { useAppStore } from '../../../app/store';
import {
  K_RANGE,
  MANIFOLD_K,
  MANIFOLD_MAX_SAMPLES,
  SAMPLES_RANGE,
  type RunKey,
} from '../shared/quality-protocol';
import {
  AUTO_DOMAIN,
  CHART_MARGIN,
  GRID_PROPS,
  rowTicks,
  STEP_AXIS_PROPS,
  stepLabel,
  TOOLTIP_STYLE,
  VALUE_AXIS_PROPS,
} from '../../../ui/chart-style';
import { Toggletip } from '../../../ui/Toggletip';
import { REDRAW_STAGGER_MS, useStaggeredRedraw } from '../../../app/use-throttled-version';
import { ChartArea } from '../../../ui/ChartArea';

/** Test images in each data set's test split (the worker checks the real count too). */
const TEST_COUNT = 10_000;
/** Burda et al. 2015, Table 1: VAE, one stochastic layer, k = 5,000, dynamically binarised MNIST. */
const LITERATURE_NLL = 86.76;

type Row = { step: number } & Partial<Record<string, number>>;

/** One row per step of either run, with the columns `${run}.${field}`. */
function mergeRows(runs: Record<RunKey, RunQuality>): Row[] {
  const byStep = new Map<number, Row>();
  for (const run of ['main', 'comparison'] as const) {
    for (const p of runs[run].points) {
      const row = byStep.get(p.step) ?? { step: p.step };
      for (const key of [
        'elbo',
        'iwae',
        'fcd',
        'classesPresent',
        'precision',
        'recall',
        'density',
        'coverage',
      ] as const) {
        const v = p[key];
        if (v !== null) row[`${run}.${key}`] = v;
      }
      byStep.set(p.step, row);
    }
  }
  return [...byStep.values()].sort((a, b) => a.step - b.step);
}

interface ChartSpec {
  title: string;
  help: string;
  testId: string;
  fields: { key: keyof QualityPoint; label: string; dash?: string }[];
  domain?: [number, number];
}

const CHARTS: ChartSpec[] = [
  {
    title: 'Test ELBO and IWAE bound (nats per image, higher is better)',
    help: 'ELBO = E[log p(x|z) + log p(z) − log q(z|x)]; IWAE = log of the mean importance weight over k draws, a tighter lower bound on log p(x).',
    testId: 'quality-chart-bounds',
    fields: [
      { key: 'elbo', label: 'ELBO' },
      { key: 'iwae', label: 'IWAE', dash: '2 2' },
    ],
  },
  {
    title: 'Fréchet classifier distance (lower is better)',
    help: 'Fréchet distance between Gaussians fitted to the classifier features of test images and of prior samples.',
    testId: 'quality-chart-fcd',
    fields: [{ key: 'fcd', label: 'FCD' }],
  },
  {
    title: 'Precision, recall, density and coverage (k-NN, k = 3)',
    help: 'In the classifier features: precision and density say how real the samples look, recall and coverage how much of the data they reach (Kynkäänniemi et al. 2019; Naeem et al. 2020).',
    testId: 'quality-chart-manifold',
    fields: [
      { key: 'precision', label: 'precision' },
      { key: 'recall', label: 'recall', dash: '2 2' },
      { key: 'density', label: 'density', dash: '6 2' },
      { key: 'coverage', label: 'coverage', dash: '1 3' },
    ],
  },
  {
    title: 'Mode coverage (classes present in 1% or more of the samples)',
    help: 'How many classes the shipped classifier finds in at least 1% of the prior samples.',
    testId: 'quality-chart-coverage',
    fields: [{ key: 'classesPresent', label: 'classes' }],
    domain: [0, 10],
  },
];

// The charts' props are built once (see CHART_MARGIN in ui/chart-style.ts).
const LEGEND_STYLE = { fontSize: 12 };
const valueFormat = (v: unknown) => (typeof v === 'number' ? v.toFixed(2) : String(v));
const MAIN_ONLY: RunKey[] = ['main'];
const BOTH_RUNS: RunKey[] = ['main', 'comparison'];

/**
 * Chart `index` of the panel. It redraws only when its rows or runs change (not when the panel
 * does, e.g. as a measurement starts), after the charts before it, each in a task of its own
 * with the training's helper thread left out (useStaggeredRedraw).
 */
const QualityChart = memo(function QualityChart({
  spec,
  rows: latest,
  runs,
  index,
}: {
  spec: ChartSpec;
  rows: Row[];
  runs: RunKey[];
  index: number;
}) {
  const rows = useStaggeredRedraw(latest, index * REDRAW_STAGGER_MS);
  const ticks = useMemo(() => rowTicks(rows), [rows]);
  return (
    <figure className="chart" data-testid={spec.testId} data-points={rows.length}>
      <figcaption>
        <span className="chart-title">
          <span className="chart-title__text">{spec.title}</span>
          <Toggletip
            about={spec.title}
            question={`What does "${spec.title}" show?`}
            text={spec.help}
          />
        </span>
      </figcaption>
      <ChartArea>
        <ResponsiveContainer width="100%" height="100%">
          <LineChart data={rows} margin={CHART_MARGIN}>
            <CartesianGrid {...GRID_PROPS} />
            <XAxis {...STEP_AXIS_PROPS} ticks={ticks} />
            <YAxis {...VALUE_AXIS_PROPS} domain={spec.domain ?? AUTO_DOMAIN} />
            <Tooltip
              contentStyle={TOOLTIP_STYLE}
              labelFormatter={stepLabel}
              formatter={valueFormat}
            />
            <Legend wrapperStyle={LEGEND_STYLE} />
            {runs.flatMap((run) =>
              spec.fields.map((f) => (
                <Line
                  key={`${run}.${f.key}`}
                  dataKey={`${run}.${f.key}`}
                  name={`${f.label}, ${RUN_STYLE[run].name}`}
                  stroke={RUN_STYLE[run].color}
                  strokeDasharray={f.dash ?? RUN_STYLE[run].dash}
                  dot={rows.length < 30}
                  strokeWidth={1.5}
                  isAnimationActive={false}
                  connectNulls
                />
              )),
            )}
          </LineChart>
        </ResponsiveContainer>
      </ChartArea>
    </figure>
  );
});

/** Whole number in a range, or an error message. */
function parseWhole(text: string, min: number, max: number, what: string) {
  const v = Number(text);
  if (text.trim() === '' || !Number.isInteger(v) || v < min || v > max) {
    return { error: `${what}: a whole number from ${min} to ${max.toLocaleString('en')}` };
  }
  return { value: v };
}

/** Model quality: test ELBO and IWAE in nats, FCD and mode coverage, over training steps. */
export function QualityPanel() {
  const status = useQualityStore((s) => s.status);
  const error = useQualityStore((s) => s.error);
  const unavailable = useQualityStore((s) => s.unavailable);
  const busy = useQualityStore((s) => s.busy);
  const settings = useQualityStore((s) => s.settings);
  const runs = useQualityStore((s) => s.runs);
  const comparisonActive = useQualityStore((s) => s.comparison.active);
  const dataset = useAppStore((s) => s.running?.dataset);
  const [imagesText, setImagesText] = useState(String(settings.images));
  const [samplesText, setSamplesText] = useState(String(settings.samples));
  const images = parseWhole(imagesText, 1, TEST_COUNT, 'Test images');
  const samples = parseWhole(samplesText, SAMPLES_RANGE.min, TEST_COUNT, 'Samples');
  const rows = useMemo(() => mergeRows(runs), [runs]);
  const shown = comparisonActive ? BOTH_RUNS : MAIN_ONLY;
  const latest = runs.main.latest;
  const accuracy = latest?.classifierAccuracy;

  return (
    <section className="panel quality-panel" aria-labelledby="quality-heading">
      <h2 id="quality-heading">
        Model quality{' '}
        <span className="muted" data-testid="quality-status">
          {status === 'off' || status === 'starting'
            ? 'starting…'
            : busy
              ? `measuring ${RUN_STYLE[busy].name}…`
              : 'idle'}
        </span>
      </h2>
      <div className="quality-controls">
        <div className="select-field">
          <label htmlFor="quality-k">Importance samples k</label>
          <select
            id="quality-k"
            value={settings.k}
            onChange={(e) => setQualitySettings({ k: Number(e.currentTarget.value) })}
          >
            {K_CHOICES.filter((k) => k >= K_RANGE.min && k <= K_RANGE.max).map((k) => (
              <option key={k} value={k}>
                {k.toLocaleString('en')}
              </option>
            ))}
          </select>
          <Toggletip
            about="Importance samples k"
            text="Draws z ~ q(z|x) per test image for the IWAE bound; 5,000 as in Burda et al. 2015 (slow)"
          />
        </div>
        <div className="number-field">
          <label htmlFor="quality-images">Test images (bounds)</label>
          <input
            id="quality-images"
            type="number"
            min={1}
            max={TEST_COUNT}
            value={imagesText}
            onChange={(e) => {
              const text = e.currentTarget.value;
              setImagesText(text);
              const parsed = parseWhole(text, 1, TEST_COUNT, 'Test images');
              if (parsed.value !== undefined) setQualitySettings({ images: parsed.value });
            }}
          />
          <Toggletip
            about="Test images (bounds)"
            text="The first N test images, dynamically binarised with a fixed seed"
          />
        </div>
        <div className="number-field">
          <label htmlFor="quality-samples">Samples (FCD)</label>
          <input
            id="quality-samples"
            type="number"
            min={SAMPLES_RANGE.min}
            max={TEST_COUNT}
            value={samplesText}
            onChange={(e) => {
              const text = e.currentTarget.value;
              setSamplesText(text);
              const parsed = parseWhole(text, SAMPLES_RANGE.min, TEST_COUNT, 'Samples');
              if (parsed.value !== undefined) setQualitySettings({ samples: parsed.value });
            }}
          />
          <Toggletip
            about="Samples (FCD)"
            text="Prior samples, and as many test images, for the FCD and the mode coverage"
          />
        </div>
        <label className="checkbox-field">
          <input
            type="checkbox"
            checked={settings.auto}
            onChange={(e) => setQualitySettings({ auto: e.currentTarget.checked })}
          />
          Measure every {AUTO_INTERVAL_S} s of training
        </label>
        <button
          type="button"
          onClick={() => void measureNow()}
          disabled={status !== 'ready' || busy !== null || unavailable !== ''}
        >
          Measure now
        </button>
      </div>
      {(images.error || samples.error) && (
        <ul className="field-errors" role="alert">
          {images.error && (
            <li>
              {images.error} (still using {settings.images})
            </li>
          )}
          {samples.error && (
            <li>
              {samples.error} (still using {settings.samples})
            </li>
          )}
        </ul>
      )}
      {unavailable && (
        <p className="hint" data-testid="quality-unavailable">
          {unavailable}
        </p>
      )}
      {error && (
        <p className="field-errors" role="alert">
          {error}
        </p>
      )}
      <p className="hint" data-testid="quality-method">
        {latest
          ? `Last measured: ELBO and IWAE with k = ${latest.k.toLocaleString('en')} on the first ${latest.images.toLocaleString('en')} test images (dynamically binarised, fixed seed), ${(latest.ms / 1000).toFixed(1)} s. `
          : `ELBO and IWAE with k = ${settings.k.toLocaleString('en')} on the first ${settings.images.toLocaleString('en')} test images (dynamically binarised, fixed seed). `}
        FCD between the first {settings.samples.toLocaleString('en')} test images and as many prior
        samples, in the 64 features of the project&apos;s own classifier
        {accuracy ? ` (test accuracy ${(accuracy * 100).toFixed(2)}%)` : ''}; precision, recall,
        density and coverage in the same features with k = {MANIFOLD_K} nearest neighbours, on at
        most {MANIFOLD_MAX_SAMPLES.toLocaleString('en')} of them; classes present: classes in at
        least 1% of the samples. Click a bar of the histogram to see its samples.
        {dataset === 'mnist' &&
          ` Literature: a VAE with one stochastic layer reaches −${LITERATURE_NLL} nats (IWAE, k = 5,000, all 10,000 test images; Burda et al. 2015, Table 1). Fewer images and smaller k give a noisier, lower bound.`}
      </p>
      <div className="quality-runs">
        {shown.map((run) => (
          <RunFigures key={run} run={run} record={runs[run]} />
        ))}
      </div>
      <div className="chart-grid">
        {CHARTS.map((spec, i) => (
          <QualityChart key={spec.testId} spec={spec} rows={rows} runs={shown} index={i} />
        ))}
      </div>
      <MemorisationCheck disabled={status !== 'ready' || unavailable !== ''} />
    </section>
  );
}
