import { memo, useCallback, useMemo, useRef } from 'react';
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
import type { ChartKey, ChartRow, MetricsSeries } from './metrics-series';
import { NormsChart } from './NormsChart';
import { redrawInterval, useRedrawEnd, useRedrawStart } from './redraw-budget';
import type { TermId } from '../../objective/client/objective';
import { useAppStore } from '../../../app/store';
import {
  useMountAfter,
  useStaggeredVersion,
  useThrottledMetricsVersion,
} from '../../../app/use-throttled-version';
import {
  GRID_PROPS,
  STEP_AXIS_PROPS,
  stepLabel,
  TOOLTIP_STYLE,
  VALUE_AXIS_PROPS,
} from '../../../ui/chart-style';
import { Toggletip } from '../../../ui/Toggletip';

/** Rows drawn per chart, whatever the length of the run (a chart is 300 to 900 pixels wide). */
const MAX_ROWS = 150;
/**
 * Charts redraw every second or less often (redraw-budget.ts: their cost is held to a share of
 * one core), one after the other STAGGER_MS apart, each in a task of its own. While training the
 * page shares the CPU with the training threads, and the charts are its largest cost.
 */
const STAGGER_MS = 120;
/**
 * A chart is built (mounted) MOUNT_MS after the curves panel first renders, and each next one MOUNT_STAGGER_MS
 * later, when the page is idle: building one takes recharts about 100 ms here, and all seven at
 * the first curve point made one task of 700 ms.
 */
const MOUNT_MS = 300;
const MOUNT_STAGGER_MS = 150;

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

const tickFormat = (v: number) =>
  Math.abs(v) >= 1000 ? `${(v / 1000).toFixed(v >= 10000 ? 0 : 1)}k` : String(v);

// Recharts keeps each part's settings in a store of its own and rewrites them, redrawing the
// chart once more, whenever a prop is a new object or function: the charts' props are built
// once, here or memoised, so that a redraw changes only the data.
const MARGIN = { top: 4, right: 12, bottom: 0, left: 0 };
const AUTO_DOMAIN = ['auto', 'auto'] as const;
const LEGEND_STYLE = { fontSize: 12, cursor: 'default' };
const valueFormat = (v: unknown) => (typeof v === 'number' ? v.toFixed(4) : String(v));

/** One chart, redrawn `delay` ms after the curves' version changes. */
const Chart = memo(function Chart({
  spec,
  series,
  version,
  delay,
}: {
  spec: ChartSpec;
  series: MetricsSeries;
  version: number;
  delay: number;
}) {
  const built = useMountAfter(MOUNT_MS + (delay / STAGGER_MS) * MOUNT_STAGGER_MS);
  const { startedRef, onShow } = useRedrawStart();
  const shown = useStaggeredVersion(version, delay, onShow);
  // eslint-disable-next-line react-hooks/exhaustive-deps -- series mutates; shown tracks it
  const rows = useMemo(() => series.decimate(MAX_ROWS), [series, shown]);
  useRedrawEnd(spec.testId, rows, startedRef);
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
  // Which optional lines have a value: the list changes only when that does.
  const present = full.lines
    .map((l) => !l.optional || rows.some((r) => Number.isFinite(r[l.key])))
    .join();
  const spec = useMemo(
    () => ({
      ...full,
      lines: full.lines.filter((_, i) => present.split(',')[i] === 'true'),
    }),
    [full, present],
  );
  const highlighted = useAppStore((s) => s.highlightedTerm);
  const highlightTerm = useAppStore((s) => s.highlightTerm);
  const onLegendEnter = useCallback(
    (entry: { dataKey?: unknown }) =>
      highlightTerm(spec.lines.find((l) => l.key === entry.dataKey)?.term ?? null),
    [highlightTerm, spec],
  );
  const onLegendLeave = useCallback(() => highlightTerm(null), [highlightTerm]);
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
      <div className="chart-body">
        {built && (
          <ResponsiveContainer width="100%" height="100%">
            <LineChart data={rows} margin={MARGIN}>
              <CartesianGrid {...GRID_PROPS} />
              <XAxis {...STEP_AXIS_PROPS} tickFormatter={tickFormat} />
              <YAxis {...VALUE_AXIS_PROPS} domain={spec.domain ?? AUTO_DOMAIN} />
              <Tooltip
                contentStyle={TOOLTIP_STYLE}
                labelFormatter={stepLabel}
                formatter={valueFormat}
              />
              <Legend
                wrapperStyle={LEGEND_STYLE}
                onMouseEnter={onLegendEnter}
                onMouseLeave={onLegendLeave}
              />
              {spec.lines.map((l) => (
                <Line
                  key={l.key}
                  dataKey={l.key}
                  name={l.name}
                  stroke={l.color}
                  dot={false}
                  strokeWidth={l.term !== undefined && l.term === highlighted ? 3.5 : 1.5}
                  isAnimationActive={false}
                  connectNulls
                />
              ))}
            </LineChart>
          </ResponsiveContainer>
        )}
      </div>
    </figure>
  );
});

/** The live curves: losses, D's outputs and speed, decimated to MAX_ROWS points each. */
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
      {
        <div className="chart-grid">
          {CHARTS.map((spec, i) => (
            <Chart
              key={spec.testId}
              spec={spec}
              series={series}
              version={version}
              delay={i * STAGGER_MS}
            />
          ))}
          <NormsChart
            version={version}
            delay={CHARTS.length * STAGGER_MS}
            buildDelay={MOUNT_MS + CHARTS.length * MOUNT_STAGGER_MS}
          />
        </div>
      }
    </section>
  );
}
