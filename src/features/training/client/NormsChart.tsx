import { Toggletip } from '../../../ui/Toggletip';
import { memo, useMemo } from 'react';
import { useAppStore } from '../../../app/store';
import { NORM_NETWORKS, type NormNetwork } from '../../../shared/metrics';
import { stepTick } from '../../../ui/chart-style';
import { LiveChart } from '../../../ui/LiveChart';
import { normsSeries } from './norms-series';
import { useChartRows } from './redraw-budget';
import { ChartArea } from '../../../ui/ChartArea';

const NETWORK_STYLE: Record<NormNetwork, { name: string; color: string }> = {
  encoder: { name: 'encoder', color: '#38bdf8' },
  decoder: { name: 'decoder', color: '#f59e0b' },
  generator: { name: 'G (phase 3)', color: '#a3e635' },
  discriminator: { name: 'D', color: '#f472b6' },
};

// Built once: a new one rebuilds the plot.
const valueFormat = (v: number) => v.toPrecision(3);
const GRADIENT_DASH = [4, 3];

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
  const last = rows[rows.length - 1];
  // Each network's colour, the gradients dashed.
  const lines = useMemo(
    () =>
      NORM_NETWORKS.flatMap((name) => {
        const { name: label, color } = NETWORK_STYLE[name];
        return [
          ...(name === 'generator' && variant !== 'separate'
            ? []
            : [{ key: `w.${name}` as const, name: `‖W‖ ${label}`, color }]),
          { key: `g.${name}` as const, name: `‖∇‖ ${label}`, color, dash: GRADIENT_DASH },
        ];
      }),
    [variant],
  );
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
                <span key={l.key} style={{ color: l.color }}>
                  {l.name} {v === undefined ? '–' : v.toPrecision(3)}
                </span>
              );
            })}
          </span>
        )}
      </figcaption>
      <ChartArea>
        {built && (
          <LiveChart
            rows={rows}
            lines={lines}
            log
            stepTick={stepTick}
            valueTick={tick}
            valueFormat={valueFormat}
          />
        )}
      </ChartArea>
    </figure>
  );
});
