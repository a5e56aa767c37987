import { startTransition, useEffect, useMemo, useState } from 'react';
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
import type { ChartKey, ChartRow } from '../app/metrics-series';
import { useAppStore } from '../app/store';

/** Rows drawn per chart, whatever the length of the run. */
const MAX_ROWS = 300;
/** Charts redraw at most this often; curve points arrive up to 10 times a second. */
const REDRAW_MS = 250;

interface ChartSpec {
  title: string;
  testId: string;
  lines: { key: ChartKey; name: string; color: string }[];
  domain?: [number, number];
  log?: boolean;
}

const CHARTS: ChartSpec[] = [
  {
    title: 'Reconstruction and KL (nats per image)',
    testId: 'chart-vae',
    lines: [
      { key: 'reconstruction', name: 'L_rec', color: '#38bdf8' },
      { key: 'kl', name: 'KL', color: '#f59e0b' },
    ],
  },
  {
    title: 'Adversarial losses',
    testId: 'chart-gan',
    lines: [
      { key: 'discriminator', name: 'L_D', color: '#f472b6' },
      { key: 'generator', name: 'L_G', color: '#a3e635' },
    ],
  },
  {
    title: 'Discriminator outputs',
    testId: 'chart-d',
    domain: [0, 1],
    lines: [
      { key: 'dReal', name: 'D(x)', color: '#e2e8f0' },
      { key: 'dRecon', name: 'D(x̃) reconstructions', color: '#c084fc' },
      { key: 'dPrior', name: 'D(x_p) samples', color: '#fb923c' },
    ],
  },
  {
    title: 'Speed (steps/s)',
    testId: 'chart-speed',
    lines: [{ key: 'stepsPerSec', name: 'steps/s', color: '#4ade80' }],
  },
];

/** The store's curve version, followed at most every REDRAW_MS. */
function useThrottledVersion(): number {
  const [version, setVersion] = useState(() => useAppStore.getState().metricsVersion);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const unsubscribe = useAppStore.subscribe((state, previous) => {
      if (state.metricsVersion === previous.metricsVersion || timer !== null) return;
      timer = setTimeout(() => {
        timer = null;
        // A transition: React renders the charts in slices and lets input (a drag on the
        // latent pad) in between, instead of blocking the page for the whole redraw.
        startTransition(() => setVersion(useAppStore.getState().metricsVersion));
      }, REDRAW_MS);
    });
    return () => {
      unsubscribe();
      if (timer !== null) clearTimeout(timer);
    };
  }, []);
  return version;
}

const tickFormat = (v: number) =>
  Math.abs(v) >= 1000 ? `${(v / 1000).toFixed(v >= 10000 ? 0 : 1)}k` : String(v);

function Chart({ spec, rows }: { spec: ChartSpec; rows: ChartRow[] }) {
  const last = rows[rows.length - 1];
  return (
    <figure className="chart" data-testid={spec.testId} data-points={rows.length}>
      <figcaption>
        {spec.title}
        {last && (
          <span className="chart-latest">
            {spec.lines.map((l) => (
              <span key={l.key} style={{ color: l.color }}>
                {l.name} {Number.isFinite(last[l.key]) ? last[l.key].toFixed(3) : 'NaN'}
              </span>
            ))}
          </span>
        )}
      </figcaption>
      <div className="chart-body">
        <ResponsiveContainer width="100%" height="100%">
          <LineChart data={rows} margin={{ top: 4, right: 12, bottom: 0, left: 0 }}>
            <CartesianGrid stroke="#334155" strokeDasharray="3 3" />
            <XAxis
              dataKey="step"
              type="number"
              domain={['dataMin', 'dataMax']}
              tickFormatter={tickFormat}
              stroke="#94a3b8"
              fontSize={11}
            />
            <YAxis
              domain={spec.domain ?? ['auto', 'auto']}
              stroke="#94a3b8"
              fontSize={11}
              width={48}
              tickFormatter={(v: number) => String(+v.toPrecision(3))}
            />
            <Tooltip
              contentStyle={{ background: '#0f172a', border: '1px solid #334155' }}
              labelFormatter={(step) => `step ${String(step)}`}
              formatter={(v) => (typeof v === 'number' ? v.toFixed(4) : String(v))}
            />
            <Legend wrapperStyle={{ fontSize: 12 }} />
            {spec.lines.map((l) => (
              <Line
                key={l.key}
                dataKey={l.key}
                name={l.name}
                stroke={l.color}
                dot={false}
                strokeWidth={1.5}
                isAnimationActive={false}
                connectNulls
              />
            ))}
          </LineChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}

/** The live curves: losses, D's outputs and speed, decimated to MAX_ROWS points each. */
export function LossCharts() {
  const version = useThrottledVersion();
  const series = useAppStore((s) => s.series);
  const count = series.length;
  // eslint-disable-next-line react-hooks/exhaustive-deps -- series mutates; version tracks it
  const rows = useMemo(() => series.decimate(MAX_ROWS), [series, version]);
  return (
    <section className="panel charts" aria-labelledby="charts-heading">
      <h2 id="charts-heading">
        Curves{' '}
        <span className="muted" data-testid="curve-points">
          {count} points
        </span>
      </h2>
      {count === 0 ? (
        <p className="muted empty">Press Train: the curves start with the first reported step.</p>
      ) : (
        <div className="chart-grid">
          {CHARTS.map((spec) => (
            <Chart key={spec.testId} spec={spec} rows={rows} />
          ))}
        </div>
      )}
    </section>
  );
}
