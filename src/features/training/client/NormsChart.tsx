import { Toggletip } from '../../../ui/Toggletip';
import { memo, useMemo } from 'react';
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
import { useAppStore } from '../../../app/store';
import { NORM_NETWORKS, type NormNetwork } from '../../../shared/metrics';
import {
  AUTO_DOMAIN,
  CHART_MARGIN,
  GRID_PROPS,
  logTicks,
  rowTicks,
  STEP_AXIS_PROPS,
  stepLabel,
  TOOLTIP_STYLE,
  VALUE_AXIS_PROPS,
} from '../../../ui/chart-style';
import { normsSeries } from './norms-series';
import { useChartRows } from './redraw-budget';
import { ChartArea } from '../../../ui/ChartArea';

const NETWORK_STYLE: Record<NormNetwork, { name: string; color: string }> = {
  encoder: { name: 'encoder', color: '#38bdf8' },
  decoder: { name: 'decoder', color: '#f59e0b' },
  generator: { name: 'G (phase 3)', color: '#a3e635' },
  discriminator: { name: 'D', color: '#f472b6' },
};

// Props built once (see CHART_MARGIN in ui/chart-style.ts).
const LEGEND_STYLE = { fontSize: 12 };
const valueFormat = (v: unknown) => (typeof v === 'number' ? v.toPrecision(3) : String(v));

const tick = (v: number) =>
  v >= 1000 || v < 0.01 ? v.toExponential(0) : String(+v.toPrecision(2));

/**
 * Per-network weight norms ‖W‖ (solid) and gradient norms ‖∇‖ (dashed) over training, on one
 * logarithmic axis, so a person sees which side is learning: a network whose gradient falls
 * orders of magnitude below the others' has stopped learning. The gradients are those of each
 * network's own phase at the last step before a report (measured on the device inside that
 * step and read back with the report); in `shared` the generator's weights are the decoder's, so
 * only its phase-3 gradient is drawn.
 * @param version the curves' redraw counter: the norms arrive with the curve points
 */
export const NormsChart = memo(function NormsChart({
  version,
  index,
}: {
  version: number;
  /** Its place among the panel's charts (redraw-budget.ts). */
  index: number;
}) {
  const { rows, built } = useChartRows('chart-norms', index, normsSeries, version);
  return <NormsBody rows={rows} built={built} />;
});

const NormsBody = memo(function NormsBody({
  rows,
  built,
}: {
  rows: ReturnType<typeof normsSeries.decimate>;
  built: boolean;
}) {
  const variant = useAppStore((s) => s.running?.variant);
  const ticks = useMemo(() => rowTicks(rows), [rows]);
  const last = rows[rows.length - 1];
  const lines = useMemo(
    () =>
      NORM_NETWORKS.flatMap((name) => [
        ...(name === 'generator' && variant !== 'separate'
          ? []
          : [
              {
                key: `w.${name}` as const,
                name: `‖W‖ ${NETWORK_STYLE[name].name}`,
                dash: undefined,
              },
            ]),
        { key: `g.${name}` as const, name: `‖∇‖ ${NETWORK_STYLE[name].name}`, dash: '4 3' },
      ]),
    [variant],
  );
  // The value axis's ticks from the values drawn (all of them positive: a log scale).
  const valueTicks = useMemo(() => {
    let [min, max] = [Infinity, 0];
    for (const row of rows) {
      for (const l of lines) {
        const v = row[l.key];
        if (v !== undefined && v > 0) [min, max] = [Math.min(min, v), Math.max(max, v)];
      }
    }
    return logTicks(min, max);
  }, [rows, lines]);
  return (
    <figure className="chart" data-testid="chart-norms" data-points={rows.length}>
      <figcaption>
        <span className="chart-title">
          <span className="chart-title__text">Norms (log scale)</span>
          <Toggletip
            about="the norms chart"
            question='What does "Norms" show?'
            text="Euclidean norms of each network's weights (solid) and of its gradient in its own phase (dashed), on a log scale, so you see which side is learning. Gradients: encoder and decoder in phase 1, D in phase 2, G in phase 3 (the decoder in shared), measured at the last step before each report."
          />
        </span>
        {last && (
          <span className="chart-latest">
            {lines.map((l) => {
              const v = last[l.key];
              return (
                <span
                  key={l.key}
                  style={{ color: NETWORK_STYLE[l.key.slice(2) as NormNetwork].color }}
                >
                  {l.name} {v === undefined ? '–' : v.toPrecision(3)}
                </span>
              );
            })}
          </span>
        )}
      </figcaption>
      <ChartArea>
        {built && (
          <ResponsiveContainer width="100%" height="100%">
            <LineChart data={rows} margin={CHART_MARGIN}>
              <CartesianGrid {...GRID_PROPS} />
              <XAxis {...STEP_AXIS_PROPS} ticks={ticks} />
              <YAxis
                {...VALUE_AXIS_PROPS}
                scale="log"
                domain={AUTO_DOMAIN}
                allowDataOverflow
                ticks={valueTicks}
                tickFormatter={tick}
              />
              <Tooltip
                contentStyle={TOOLTIP_STYLE}
                labelFormatter={stepLabel}
                formatter={valueFormat}
              />
              <Legend wrapperStyle={LEGEND_STYLE} />
              {lines.map((l) => (
                <Line
                  key={l.key}
                  dataKey={l.key}
                  name={l.name}
                  stroke={NETWORK_STYLE[l.key.slice(2) as NormNetwork].color}
                  strokeDasharray={l.dash}
                  dot={false}
                  strokeWidth={1.5}
                  isAnimationActive={false}
                  connectNulls
                />
              ))}
            </LineChart>
          </ResponsiveContainer>
        )}
      </ChartArea>
    </figure>
  );
});
