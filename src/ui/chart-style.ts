/** The look the curve charts share (LossCharts, QualityPanel): grid, axes, tooltip. */
export const GRID_PROPS = { stroke: '#334155', strokeDasharray: '3 3' } as const;

/** The step axis: numbers, from the first to the last point shown. */
export const STEP_AXIS_PROPS = {
  dataKey: 'step',
  type: 'number',
  domain: ['dataMin', 'dataMax'],
  stroke: '#94a3b8',
  fontSize: 11,
  // Every tick of the few the axis makes: the default (thinning them so that the labels do not
  // overlap) measures each label in the page at every redraw.
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
