import { Toggletip } from '../../../ui/Toggletip';
import { useEffect, useMemo, useRef } from 'react';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Cell,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { useExplorerStore } from './explorer-store';
import { setExplorerInView } from './weights-loader';
import { watchInView } from '../../../app/in-view';
import {
  CHART_MARGIN,
  GRID_PROPS,
  rowTicks,
  STEP_AXIS_PROPS,
  stepLabel,
  TOOLTIP_STYLE,
  VALUE_AXIS_PROPS,
} from '../../../ui/chart-style';
import { ChartArea } from '../../../ui/ChartArea';

const ACTIVE_COLOUR = '#38bdf8';
const COLLAPSED_COLOUR = '#64748b';

/**
 * Posterior collapse, made visible: the KL of each latent dimension on the test images, sorted,
 * each bar coloured by whether its unit is active (Cov_x(E_q[z_j]) above Burda et al.'s 0.01),
 * and the number of active units over training. Measured in the explorer worker from the weight
 * copies the trainer sends.
 */
export function PosteriorPanel() {
  const section = useRef<HTMLElement>(null);
  useEffect(() => {
    const element = section.current;
    if (!element) return;
    // In view, it asks for the newest weights even while the explorer is scrolled away.
    const unwatch = watchInView(element, (visible) => setExplorerInView(visible, 'posterior'));
    return () => {
      unwatch();
      setExplorerInView(true, 'posterior');
    };
  }, []);
  const stats = useExplorerStore((s) => s.posterior);
  const points = useExplorerStore((s) => s.posteriorPoints);
  const pointTicks = useMemo(() => rowTicks(points), [points]);
  const bars = useMemo(
    () =>
      stats
        ? stats.kl
            .map((kl, j) => ({
              name: `z${j + 1}`,
              kl,
              activity: stats.activity[j]!,
              active: stats.activity[j]! > stats.threshold,
            }))
            .sort((a, b) => b.kl - a.kl)
        : [],
    [stats],
  );
  const total = stats ? stats.kl.reduce((a, b) => a + b, 0) : 0;
  return (
    <section ref={section} className="panel posterior-panel" aria-labelledby="posterior-heading">
      <h2 id="posterior-heading">
        Posterior collapse{' '}
        <span className="muted" data-testid="posterior-status">
          {stats ? `weights of step ${stats.step}` : 'waiting for the model…'}
        </span>
      </h2>
      <p className="hint">
        A latent dimension whose q(z_j|x) is the prior for every x carries no information: its KL is
        0 and its mean does not move with x. A unit counts as active when Cov_x(E_q[z_j]) exceeds
        0.01 (Burda et al. 2015). Raise β to see units collapse; the KL warm-up and free bits
        (beside the loss weights) fight it.
      </p>
      {stats && (
        <p data-testid="posterior-summary" aria-live="polite">
          <strong>
            {stats.active} of {stats.latentDim}
          </strong>{' '}
          units active; KL {total.toFixed(2)} nats per image in all, over the first{' '}
          {stats.count.toLocaleString('en')} test images.
        </p>
      )}
      <div className="chart-grid">
        <figure className="chart" data-testid="posterior-kl-chart" data-bars={bars.length}>
          <figcaption>
            <span className="chart-title">
              <span className="chart-title__text">
                KL per latent dimension, largest first (nats per image)
              </span>
              <Toggletip
                about="the KL per dimension"
                text="KL(q(z_j|x) ‖ N(0, 1)) averaged over the test images; the bars sum to the KL term."
              />
            </span>
          </figcaption>
          <ChartArea>
            <ResponsiveContainer width="100%" height="100%">
              <BarChart data={bars} margin={CHART_MARGIN}>
                <CartesianGrid {...GRID_PROPS} />
                <XAxis dataKey="name" stroke="#94a3b8" fontSize={11} interval={0} />
                <YAxis {...VALUE_AXIS_PROPS} />
                <Tooltip
                  contentStyle={TOOLTIP_STYLE}
                  formatter={(v, _name, item) =>
                    `${Number(v).toFixed(3)} nats, Cov ${(item.payload as { activity: number }).activity.toFixed(3)}`
                  }
                />
                <Bar dataKey="kl" name="KL" isAnimationActive={false}>
                  {bars.map((b) => (
                    <Cell key={b.name} fill={b.active ? ACTIVE_COLOUR : COLLAPSED_COLOUR} />
                  ))}
                </Bar>
              </BarChart>
            </ResponsiveContainer>
          </ChartArea>
          {bars.length > 0 && (
            <ul className="legend" aria-label="KL per latent dimension">
              {bars.map((b) => (
                <li key={b.name} data-active={b.active}>
                  <span
                    className="legend__swatch"
                    style={{ background: b.active ? ACTIVE_COLOUR : COLLAPSED_COLOUR }}
                    aria-hidden="true"
                  />
                  {b.name} {b.kl.toFixed(2)}
                  {b.active ? '' : ' (inactive)'}
                </li>
              ))}
            </ul>
          )}
        </figure>
        <figure className="chart" data-testid="posterior-active-chart" data-points={points.length}>
          <figcaption>
            <span className="chart-title">
              <span className="chart-title__text">Active units over training</span>
              <Toggletip
                about="active units"
                text="Units with Cov_x(E_q[z_j]) > 0.01 (Burda et al. 2015), at each weight copy the explorer measured."
              />
            </span>
          </figcaption>
          <ChartArea>
            <ResponsiveContainer width="100%" height="100%">
              <LineChart data={points} margin={CHART_MARGIN}>
                <CartesianGrid {...GRID_PROPS} />
                <XAxis {...STEP_AXIS_PROPS} ticks={pointTicks} />
                <YAxis
                  {...VALUE_AXIS_PROPS}
                  domain={[0, stats?.latentDim ?? 'auto']}
                  allowDecimals={false}
                />
                {stats && <ReferenceLine y={stats.latentDim} stroke="#475569" />}
                <Tooltip contentStyle={TOOLTIP_STYLE} labelFormatter={stepLabel} />
                <Line
                  dataKey="active"
                  name="active units"
                  stroke={ACTIVE_COLOUR}
                  dot={points.length < 30}
                  strokeWidth={1.5}
                  isAnimationActive={false}
                  type="stepAfter"
                />
              </LineChart>
            </ResponsiveContainer>
          </ChartArea>
        </figure>
      </div>
    </section>
  );
}
