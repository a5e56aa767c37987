/**
 * The look the charts share: recharts' grid, axes and tooltip (quality, posterior), and the
 * ticks and labels LiveChart's axes use too (the live curves).
 */
import { createElement, type ReactElement } from 'react';

export const GRID_PROPS = { stroke: '#334155', strokeDasharray: '3 3' } as const;

/** What recharts hands a tick renderer (the parts of it plainTick uses). */
interface TickProps {
  x?: number | string;
  y?: number | string;
  payload?: { value?: unknown };
  index?: number;
  textAnchor?: string;
  verticalAnchor?: string;
  fill?: string;
  fontSize?: number | string;
  className?: string;
  tickFormatter?: (value: never, index: number) => string;
}

/** How far below its anchor point a one-line label's baseline sits, as recharts' Text does it. */
const BASELINE_DY: Record<string, string> = { start: '0.71em', middle: '0.355em', end: '0' };

/**
 * An axis label as one plain SVG text. recharts' own Text component splits every label into
 * words and, on an axis with a width, measures each new one in the DOM (a forced layout); in
 * the first seconds of training that was the largest part of the charts' first draws.
 */
export function plainTick(p: TickProps): ReactElement {
  const value = p.payload?.value;
  const text = p.tickFormatter ? p.tickFormatter(value as never, p.index ?? 0) : String(value);
  return createElement(
    'text',
    {
      x: p.x,
      y: p.y,
      dy: BASELINE_DY[p.verticalAnchor ?? 'end'] ?? '0',
      textAnchor: p.textAnchor,
      fill: p.fill,
      fontSize: p.fontSize,
      className: p.className,
    },
    text,
  );
}

/** The step axis: numbers, from the first to the last point shown. */
export const STEP_AXIS_PROPS = {
  dataKey: 'step',
  type: 'number',
  domain: ['dataMin', 'dataMax'],
  stroke: '#94a3b8',
  fontSize: 11,
  interval: 0,
  tick: plainTick,
} as const;

/**
 * The step axis's ticks for rows from step `first` to step `last`: round whole numbers (1, 2 or
 * 5 times a power of ten apart), about `count` of them, all inside the range. Given explicitly
 * because the axes draw every tick (`interval: 0`, so recharts measures no label), and
 * recharts' own ticks for a [dataMin, dataMax] domain end at the last step, which can sit a few
 * pixels from the round tick before it ("901" over "910").
 */
export function stepTicks(first: number, last: number, count = 5): number[] {
  if (!Number.isFinite(first) || !Number.isFinite(last)) return [];
  if (!(last > first)) return [first];
  const span = last - first;
  const magnitude = 10 ** Math.floor(Math.log10(span / count));
  let step = magnitude;
  for (const m of [1, 2, 5, 10]) {
    const candidate = m * magnitude;
    if (Math.abs(span / candidate - count) < Math.abs(span / step - count)) step = candidate;
  }
  // Steps are whole numbers.
  step = Math.max(1, step);
  const ticks: number[] = [];
  for (let t = Math.ceil(first / step) * step; t <= last; t += step) ticks.push(t);
  return ticks;
}

/**
 * Ticks for a logarithmic axis over [min, max]: the powers of ten inside it (every other one
 * over more than six decades), or over fewer decades 1 and 3 times them, or 1, 2 and 5 times: the
 * norms chart's value axis (LiveChart).
 */
export function logTicks(min: number, max: number): number[] {
  if (!(min > 0) || !Number.isFinite(max) || !(max >= min)) return [];
  const round = (v: number) => Number(v.toPrecision(12));
  const lo = Math.log10(min);
  const hi = Math.log10(max);
  const inside = (mantissas: number[]) => {
    const ticks: number[] = [];
    for (let k = Math.floor(lo); k <= Math.ceil(hi); k++) {
      for (const m of mantissas) {
        const v = round(m * 10 ** k);
        if (v >= min && v <= max) ticks.push(v);
      }
    }
    return ticks;
  };
  const decades = inside([1]);
  if (decades.length > 6) return decades.filter((_, i) => i % 2 === 0);
  if (decades.length >= 3) return decades;
  // Half decades (1, 3, 10, 30: about evenly spaced on the axis), then finer.
  for (const mantissas of [
    [1, 3],
    [1, 2, 5],
  ]) {
    const ticks = inside(mantissas);
    if (ticks.length >= 3 || (mantissas.length === 3 && ticks.length === 2)) return ticks;
  }
  return inside([1, 2, 3, 4, 5, 6, 7, 8, 9]);
}

/** stepTicks for rows with a `step`, in order. */
export const rowTicks = (rows: readonly { step: number }[]): number[] =>
  rows.length === 0 ? [] : stepTicks(rows[0]!.step, rows[rows.length - 1]!.step);

/** A step axis's label: 900, 1.5k, 12k. */
export const stepTick = (v: number) =>
  Math.abs(v) >= 1000 ? `${(v / 1000).toFixed(v >= 10000 ? 0 : 1)}k` : String(v);

/** A value axis's label: three significant digits at most. */
export const valueTick = (v: number) => String(+v.toPrecision(3));

export const VALUE_AXIS_PROPS = {
  stroke: '#94a3b8',
  fontSize: 11,
  width: 48,
  interval: 0,
  tick: plainTick,
  tickFormatter: valueTick,
} as const;

export const TOOLTIP_STYLE = { background: '#0f172a', border: '1px solid #334155' } as const;

export const stepLabel = (step: unknown) => `step ${String(step)}`;

/**
 * The charts' margin and automatic domain, built once: recharts keeps each part's settings in a
 * store of its own and redraws once more whenever a prop is a new object, so a chart's props
 * should change only with its data.
 */
export const CHART_MARGIN = { top: 4, right: 12, bottom: 0, left: 0 };
export const AUTO_DOMAIN = ['auto', 'auto'] as const;
