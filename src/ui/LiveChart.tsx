import { memo, useEffect, useMemo, useRef, useSyncExternalStore } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { type CurveRow, readout, toColumns } from './live-chart-data';
import { logTicks, stepTicks } from './chart-style';

/** One curve of a live chart. */
export interface LiveLine {
  key: string;
  name: string;
  /** A CSS colour; `currentColor` is the chart's text colour. */
  color: string;
  /** Dash and gap lengths in pixels; solid without. */
  dash?: readonly number[];
}

export interface LiveChartProps {
  rows: readonly CurveRow[];
  lines: readonly LiveLine[];
  /** A fixed range of the value axis; without one the axis follows the values. */
  domain?: readonly [number, number];
  /** A logarithmic value axis (values not above 0 are gaps). */
  log?: boolean;
  /** The key of the line drawn thicker (its term is pointed at elsewhere). */
  highlighted?: string | null;
  stepTick: (step: number) => string;
  valueTick: (value: number) => string;
  /** A value as the readout beside the pointer shows it. */
  valueFormat: (value: number) => string;
  /** The pointer entered a line's legend entry, or left it. */
  onLineEnter?: (key: string) => void;
  onLineLeave?: () => void;
}

const FONT = '11px system-ui, sans-serif';
const AXIS_GAP = 4;

/**
 * Charts whose area changed size, resized one per task once the page's layout has settled for
 * RESIZE_SETTLE_MS. When training starts the layout moves two or three times within half a second
 * (the first points, the tour's card), and the six curve charts resized together at each move made
 * tasks of 60 to 70 ms.
 */
const RESIZE_SETTLE_MS = 100;
const resizes = new Map<uPlot, () => void>();
let resizeTimer: ReturnType<typeof setTimeout> | null = null;

function queueResize(plot: uPlot, resize: () => void) {
  resizes.set(plot, resize);
  if (resizeTimer !== null) clearTimeout(resizeTimer);
  resizeTimer = setTimeout(resizeNext, RESIZE_SETTLE_MS);
}

function resizeNext() {
  resizeTimer = null;
  const next = resizes.entries().next();
  if (next.done) return;
  const [plot, resize] = next.value;
  resizes.delete(plot);
  resize();
  if (resizes.size > 0) resizeTimer = setTimeout(resizeNext, 0);
}

/** The system's colour scheme, which the page's theme follows (styles.css). */
const LIGHT = '(prefers-color-scheme: light)';
function onSchemeChange(change: () => void) {
  const query = window.matchMedia?.(LIGHT);
  query?.addEventListener('change', change);
  return () => query?.removeEventListener('change', change);
}
const isLight = () => window.matchMedia?.(LIGHT).matches ?? false;

/** The theme's colours the canvas needs, read from the chart's CSS (the page's theme). */
function themeColours(element: Element) {
  const style = getComputedStyle(element);
  const css = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  return {
    text: style.color || '#e2e8f0',
    muted: css('--muted', '#94a3b8'),
    border: css('--border', '#334155'),
  };
}

/**
 * A live line chart of a run's curves, drawn by uPlot on a canvas: a redraw with 150 points
 * a line is a fraction of a millisecond, where an SVG chart library takes tens of
 * milliseconds of the main thread, which the training shares. Steps along the bottom, the
 * values at the left, a readout of the values under the pointer, and a legend whose entries
 * report the pointer (the formulas highlight their term).
 */
export const LiveChart = memo(function LiveChart({
  rows,
  lines,
  domain,
  log = false,
  highlighted = null,
  stepTick,
  valueTick,
  valueFormat,
  onLineEnter,
  onLineLeave,
}: LiveChartProps) {
  const area = useRef<HTMLDivElement>(null);
  const readoutBox = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const keys = useMemo(() => lines.map((l) => l.key), [lines]);
  const columns = useMemo(() => toColumns(rows, keys, log), [rows, keys, log]);
  // The data the plot draws and the readout reads. New data: the same plot draws it (declared
  // before the plot's effect, which builds a new plot from it).
  const latest = useRef(columns);
  useEffect(() => {
    latest.current = columns;
    plot.current?.setData(columns as uPlot.AlignedData);
  }, [columns]);
  // A new theme rebuilds the plot in its colours.
  const light = useSyncExternalStore(onSchemeChange, isLight, () => false);
  const [low, high] = domain ?? [];
  // What the drawing shows, for a screen reader (its figure's caption gives the values).
  const names = useMemo(() => lines.map((l) => l.name), [lines]);
  const label = `Curves of ${names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names.at(-1)}` : names[0]} over the steps`;

  // The plot, built again when what it draws or the theme changes (not its data: see above).
  useEffect(() => {
    const element = area.current;
    if (!element) return;
    const colours = themeColours(element);
    const showReadout = (u: uPlot) => {
      const box = readoutBox.current;
      if (!box) return;
      const at = u.cursor.idx;
      const r =
        at === null || at === undefined ? null : readout(latest.current, at, names, valueFormat);
      box.hidden = r === null;
      if (r) box.textContent = [r.step, ...r.values.map((v) => `${v.name} ${v.value}`)].join(' · ');
    };
    const axis = (splits: uPlot.Axis['splits'], format: (v: number) => string, size: number) => ({
      stroke: colours.muted,
      font: FONT,
      size,
      gap: AXIS_GAP,
      grid: { stroke: colours.border, width: 1, dash: [3, 3] },
      ticks: { stroke: colours.border, width: 1, size: 4 },
      splits,
      // A log axis leaves out (null) the labels that would crowd.
      values: (_u: uPlot, splits: (number | null)[]) =>
        splits.map((v) => (v === null ? '' : format(v))),
    });
    const u = new uPlot(
      {
        width: Math.max(1, element.clientWidth),
        height: Math.max(1, element.clientHeight),
        legend: { show: false },
        cursor: { drag: { x: false, y: false, setScale: false }, points: { size: 6 } },
        scales: {
          x: { time: false },
          y: log
            ? { distr: 3, log: 10 }
            : low !== undefined && high !== undefined
              ? { range: [low, high] }
              : {},
        },
        axes: [
          axis((p) => stepTicks(p.scales.x!.min!, p.scales.x!.max!), stepTick, 22),
          axis(
            log ? (p) => logTicks(p.scales.y!.min!, p.scales.y!.max!) : undefined,
            valueTick,
            44,
          ),
        ],
        series: [
          {},
          ...lines.map((l) => ({
            label: l.name,
            stroke: l.color === 'currentColor' ? colours.text : l.color,
            width: l.key === highlighted ? 3.5 : 1.5,
            dash: l.dash ? [...l.dash] : undefined,
            spanGaps: true,
            points: { show: false },
          })),
        ],
        hooks: { setCursor: [showReadout] },
      },
      latest.current as uPlot.AlignedData,
      element,
    );
    plot.current = u;
    const fit = () => {
      const width = element.clientWidth;
      const height = element.clientHeight;
      if (width > 0 && height > 0 && (width !== u.width || height !== u.height)) {
        u.setSize({ width, height });
      }
    };
    const resize = new ResizeObserver(() => queueResize(u, fit));
    resize.observe(element);
    return () => {
      resize.disconnect();
      resizes.delete(u);
      u.destroy();
      plot.current = null;
    };
  }, [lines, names, log, low, high, highlighted, stepTick, valueTick, valueFormat, light]);

  return (
    <div className="live-chart-frame">
      <div className="live-chart" ref={area} role="img" aria-label={label}>
        <div className="live-chart__readout" ref={readoutBox} hidden />
      </div>
      <ul className="live-legend" aria-label="Legend">
        {lines.map((l) => (
          <li
            key={l.key}
            onMouseEnter={onLineEnter && (() => onLineEnter(l.key))}
            onMouseLeave={onLineLeave}
          >
            <svg className="live-legend__swatch" width="16" height="8" aria-hidden="true">
              <line
                x1="0"
                y1="4"
                x2="16"
                y2="4"
                stroke={l.color}
                strokeWidth={l.key === highlighted ? 3.5 : 2}
                strokeDasharray={l.dash?.join(' ')}
              />
            </svg>
            {l.name}
          </li>
        ))}
      </ul>
    </div>
  );
});
