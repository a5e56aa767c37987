/** The look the curve charts share (LossCharts, QualityPanel): grid, axes, tooltip. */
export const GRID_PROPS = { stroke: '#334155', strokeDasharray: '3 3' } as const;

/** The step axis: numbers, from the first to the last point shown. */
export const STEP_AXIS_PROPS = {
  dataKey: 'step',
  type: 'number',
  domain: ['dataMin', 'dataMax'],
  stroke: '#94a3b8',
  fontSize: 11,
  interval: 0,
} as const;

export const VALUE_AXIS_PROPS = {
  stroke: '#94a3b8',
  fontSize: 11,
  width: 48,
  interval: 0,
  tickFormatter: (v: number) => String(+v.toPrecision(3)),
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
