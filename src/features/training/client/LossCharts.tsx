import { memo, useCallback, useMemo, useRef } from 'react';
import type { ChartKey, ChartRow, MetricsSeries } from './metrics-series';
import { NormsChart } from './NormsChart';
import { redrawInterval, useChartRows } from './redraw-budget';
import type { TermId } from '../../objective/client/objective';
import { useAppStore } from '../../../app/store';
import { useThrottledMetricsVersion } from '../../../app/use-throttled-version';
import { stepTick, valueTick } from '../../../ui/chart-style';
import { LiveChart } from '../../../ui/LiveChart';
import { Toggletip } from '../../../ui/Toggletip';
import { ChartArea } from '../../../ui/ChartArea';

interface ChartSpec {
  title: string;
  /** One or two sentences for the tooltip, with the symbols of the formulas. */
  help: string;
  testId: string;
  /** `optional`: left out of the chart while it has no finite value (e.g. Dis_l under `pixel`). */
  lines: { key: ChartKey; name: string; color: string; term?: TermId; optional?: boolean }[];
  domain?: [number, number];
  log?: boolean;
}

const CHARTS: ChartSpec[] = [
  {
    title: 'Reconstruction and KL (nats per image)',
    help: 'L_rec = −log p(x|z) over the pixels (reported in nats whatever loss trains) and KL(q(z|x) ‖ N(0, I)); their sum is minus the ELBO. With the feature or mixed loss, Dis_l is ½‖Dis_l(x) − Dis_l(x̃)‖², the feature distance phase 1 trains on.',
    testId: 'chart-vae',
    lines: [
      { key: 'reconstruction', name: 'L_rec (pixel NLL)', color: '#38bdf8', term: 'rec' },
      { key: 'kl', name: 'KL', color: '#f59e0b', term: 'kl' },
      { key: 'featureRec', name: 'Dis_l distance', color: '#2dd4bf', optional: true },
    ],
  },
  {
    title: 'Adversarial losses',
    help: 'L_D: the discriminator’s loss on real, reconstructed and sampled images. L_G: the generator side, before γ.',
    testId: 'chart-gan',
    lines: [
      { key: 'discriminator', name: 'L_D', color: '#f472b6', term: 'disc' },
      { key: 'generator', name: 'L_G', color: '#a3e635', term: 'gen' },
    ],
  },
  {
    title: 'Discriminator outputs',
    help: 'Mean probability that D calls an image real: data x, reconstructions x̃ and prior samples x_p.',
    testId: 'chart-d',
    domain: [0, 1],
    lines: [
      { key: 'dReal', name: 'D(x)', color: 'currentColor' },
      { key: 'dRecon', name: 'D(x̃) reconstructions', color: '#c084fc' },
      { key: 'dPrior', name: 'D(x_p) samples', color: '#fb923c' },
    ],
  },
  {
    title: 'Equilibrium gate: fraction of steps skipped',
    help: 'Per curve point, the share of the steps since the previous point in which the gate skipped D’s update (D far ahead) or the generator side’s (D weak). 0 while the gate is off.',
    testId: 'chart-gate',
    domain: [0, 1],
    lines: [
      { key: 'skipD', name: 'D skipped', color: '#f472b6' },
      { key: 'skipG', name: 'G skipped', color: '#a3e635' },
    ],
  },
  {
    title: 'Speed (steps/s)',
    help: 'Training steps per second in the worker; images/s is this times the batch size.',
    testId: 'chart-speed',
    lines: [{ key: 'stepsPerSec', name: 'steps/s', color: '#4ade80' }],
  },
];

// The charts' props are built once, here or memoised: a new one rebuilds the plot.
const valueFormat = (v: number) => v.toFixed(4);

/** Chart `index` of the panel, redrawn after the others (redraw-budget.ts). */
const Chart = memo(function Chart({
  spec,
  series,
  version,
  index,
}: {
  spec: ChartSpec;
  series: MetricsSeries;
  version: number;
  index: number;
}) {
  const { rows, built } = useChartRows(spec.testId, index, series, version);
  return <ChartBody spec={spec} rows={rows} built={built} />;
});

const ChartBody = memo(function ChartBody({
  spec: full,
  rows,
  built,
}: {
  spec: ChartSpec;
  rows: ChartRow[];
  /** False: the frame alone, the chart itself not built yet. */
  built: boolean;
}) {
  const last = rows[rows.length - 1];
  // Which lines are drawn (an optional one once it has a value): a new list only when that
  // changes, so that recharts sees the same props.
  const drawn = full.lines
    .map((l) => (!l.optional || rows.some((r) => Number.isFinite(r[l.key])) ? '1' : '0'))
    .join('');
  const spec = useMemo(
    () => ({ ...full, lines: full.lines.filter((_, i) => drawn[i] === '1') }),
    [full, drawn],
  );
  const highlighted = useAppStore((s) => s.highlightedTerm);
  const highlightTerm = useAppStore((s) => s.highlightTerm);
  const highlightedKey =
    highlighted === null ? null : (spec.lines.find((l) => l.term === highlighted)?.key ?? null);
  const onLineEnter = useCallback(
    (key: string) => highlightTerm(spec.lines.find((l) => l.key === key)?.term ?? null),
    [highlightTerm, spec],
  );
  const onLineLeave = useCallback(() => highlightTerm(null), [highlightTerm]);
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
        {last && (
          <span className="chart-latest">
            {spec.lines.map((l) => (
              <span key={l.key} style={{ color: l.color }}>
                {l.name} {Number.isFinite(last[l.key]) ? last[l.key].toFixed(3) : '—'}
              </span>
            ))}
          </span>
        )}
      </figcaption>
      <ChartArea>
        {built && (
          <LiveChart
            rows={rows}
            lines={spec.lines}
            domain={spec.domain}
            highlighted={highlightedKey}
            stepTick={stepTick}
            valueTick={valueTick}
            valueFormat={valueFormat}
            onLineEnter={onLineEnter}
            onLineLeave={onLineLeave}
          />
        )}
      </ChartArea>
    </figure>
  );
});

/** The live curves: losses, D's outputs and speed, decimated to 150 points each (redraw-budget.ts). */
export function LossCharts() {
  const section = useRef<HTMLElement>(null);
  // Off screen, the charts wait: they redraw as soon as they scroll into view.
  const version = useThrottledMetricsVersion(redrawInterval, section);
  const series = useAppStore((s) => s.series);
  const count = series.length;
  return (
    <section
      ref={section}
      className="panel charts"
      data-redraw-ms={redrawInterval()}
      aria-labelledby="charts-heading"
      data-tour="curves"
    >
      <h2 id="charts-heading">
        Curves{' '}
        <span className="muted" data-testid="curve-points">
          {count} points
        </span>
      </h2>
      {count === 0 && (
        <p className="muted charts-empty">
          Press Train: the curves start with the first reported step.
        </p>
      )}
      <div className="chart-grid">
        {CHARTS.map((spec, i) => (
          <Chart key={spec.testId} spec={spec} series={series} version={version} index={i} />
        ))}
        <NormsChart version={version} index={CHARTS.length} />
      </div>
    </section>
  );
}
