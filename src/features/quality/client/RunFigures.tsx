import { Toggletip } from '../../../ui/Toggletip';
import { showClassSamples } from './quality-client';
import { type RunQuality, useQualityStore } from './quality-store';
import type { RunKey } from '../shared/quality-protocol';
import { GridCanvas } from '../../../ui/GridCanvas';
import './quality-inside.css';

export const RUN_STYLE: Record<RunKey, { name: string; color: string; dash?: string }> = {
  main: { name: 'this run', color: '#38bdf8' },
  comparison: { name: 'plain VAE (γ = 0)', color: '#f59e0b', dash: '5 3' },
};

export const fmt = (v: number | null | undefined, digits = 2) =>
  v === null || v === undefined ? '–' : Number.isFinite(v) ? v.toFixed(digits) : String(v);

/** The samples of the class clicked in this run's histogram. */
function ClassGallery({ run }: { run: RunKey }) {
  const view = useQualityStore((s) => s.classView);
  const classes = useQualityStore((s) => s.runs[run].latest?.classes);
  const samples = useQualityStore((s) => s.runs[run].latest?.samples);
  if (!view || view.run !== run) return null;
  const name = classes?.[view.label] ?? String(view.label);
  return (
    <figure className="class-gallery">
      {view.grid && (
        <GridCanvas
          grid={view.grid}
          label={`Samples classified as ${name}`}
          testId={`class-samples-${run}`}
          className="image-canvas--class"
          step={view.step}
        />
      )}
      <figcaption data-testid={`class-samples-caption-${run}`}>
        {view.total === 0
          ? `The classifier put none of the ${samples ?? ''} samples in ${name}.`
          : `${view.total} of ${samples ?? '?'} prior samples at step ${view.step} were classified as ${name}${view.total > (view.grid?.cols ?? 0) * (view.grid?.rows ?? 0) ? `; the first ${(view.grid?.cols ?? 0) * (view.grid?.rows ?? 0)} are shown` : ''}.`}
      </figcaption>
    </figure>
  );
}

/**
 * The latest figures of one run: bounds, FCD, precision and recall, density and coverage, and
 * the class histogram, whose bars show the samples of their class when clicked.
 */
export function RunFigures({ run, record }: { run: RunKey; record: RunQuality }) {
  const r = record.latest;
  const shown = useQualityStore((s) => s.classView);
  return (
    <div className="quality-run" data-testid={`quality-${run}`} data-step={r?.step}>
      <h3 style={{ color: RUN_STYLE[run].color }}>
        {run === 'main' ? 'This run' : 'Plain VAE (γ = 0)'}{' '}
        <span className="muted">{r ? `at step ${r.step}` : 'not measured yet'}</span>
      </h3>
      <dl className="quality-figures">
        <dt>
          Test ELBO{' '}
          <Toggletip
            about="Test ELBO"
            text="Mean over the test images of the ELBO, nats per image"
          />
        </dt>
        <dd data-testid={`quality-${run}-elbo`}>{fmt(r?.elbo)}</dd>
        <dt>
          IWAE (k = {r?.k ?? '–'}){' '}
          <Toggletip
            about="IWAE"
            text="Importance-weighted bound on log p(x); −IWAE is the NLL estimate"
          />
        </dt>
        <dd data-testid={`quality-${run}-iwae`}>{fmt(r?.iwae)}</dd>
        <dt>FCD</dt>
        <dd data-testid={`quality-${run}-fcd`}>{fmt(r?.fcd)}</dd>
        <dt>
          Precision{' '}
          <Toggletip
            about="Precision"
            text="Share of samples inside the k-NN balls of the test images' features (fidelity; Kynkäänniemi et al. 2019)"
          />
        </dt>
        <dd data-testid={`quality-${run}-precision`}>{fmt(r?.precision, 3)}</dd>
        <dt>
          Recall{' '}
          <Toggletip
            about="Recall"
            text="Share of test images inside the k-NN balls of the samples' features (diversity)"
          />
        </dt>
        <dd data-testid={`quality-${run}-recall`}>{fmt(r?.recall, 3)}</dd>
        <dt>
          Density{' '}
          <Toggletip
            about="Density"
            text="How many test images' balls hold a sample on average, over k: about 1 when samples and data match (Naeem et al. 2020)"
          />
        </dt>
        <dd data-testid={`quality-${run}-density`}>{fmt(r?.density, 3)}</dd>
        <dt>
          Coverage (k-NN){' '}
          <Toggletip
            about="Coverage (k-NN)"
            text="Share of test images whose ball holds at least one sample (Naeem et al. 2020)"
          />
        </dt>
        <dd data-testid={`quality-${run}-knn-coverage`}>{fmt(r?.coverage, 3)}</dd>
        <dt>Classes present</dt>
        <dd data-testid={`quality-${run}-coverage`}>
          {r?.classesPresent === null || r === null ? '–' : `${r.classesPresent} of 10`}
        </dd>
      </dl>
      {r?.histogram && (
        <div
          className="quality-histogram"
          role="group"
          aria-label={`Classes of ${r.samples} prior samples (${RUN_STYLE[run].name}): ${r.histogram
            .map((c, i) => `${r.classes[i]} ${c}`)
            .join(', ')}`}
        >
          {r.histogram.map((count, i) => (
            <button
              type="button"
              key={i}
              className="quality-bar"
              title={`${r.classes[i]}: ${count}. Click to see these samples`}
              aria-label={`Show the samples classified as ${r.classes[i]} (${count})`}
              aria-pressed={shown?.run === run && shown.label === i}
              onClick={() => void showClassSamples(run, i)}
            >
              <span
                style={{
                  height: `${(100 * count) / Math.max(...r.histogram!, 1)}%`,
                  background: RUN_STYLE[run].color,
                }}
              />
              <small>{r.classes[i]!.slice(0, 3)}</small>
            </button>
          ))}
        </div>
      )}
      <ClassGallery run={run} />
      {r?.classifierError && <p className="field-errors">{r.classifierError}</p>}
    </div>
  );
}
