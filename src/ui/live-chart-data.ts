/**
 * What LiveChart draws, as plain data: rows of a run turned into the columns uPlot takes, and
 * the readout of one row under the pointer. Kept apart from the component so it is tested in
 * Node without a canvas.
 */

/** A row of a curve: its step and a value per line (missing or not finite: no point there). */
export type CurveRow = { step: number } & Partial<Record<string, number>>;

/** uPlot's aligned data: the steps, then one column per line, null where there is no point. */
export type Columns = [number[], ...(number | null)[][]];

/**
 * The columns of `rows` for the lines `keys`. A value that is missing or not finite, or (on a
 * log axis) not above 0, is a gap, which the line spans.
 */
export function toColumns(
  rows: readonly CurveRow[],
  keys: readonly string[],
  log = false,
): Columns {
  const steps = rows.map((r) => r.step);
  const columns = keys.map((key) =>
    rows.map((r) => {
      const v = r[key];
      return v !== undefined && Number.isFinite(v) && (!log || v > 0) ? v : null;
    }),
  );
  return [steps, ...columns];
}

/**
 * The readout of row `index` of `columns`: "step 120", then each line's name and value ("—"
 * for a gap), as the text beside the pointer shows them.
 */
export function readout(
  columns: Columns,
  index: number,
  names: readonly string[],
  format: (v: number) => string,
): { step: string; values: { name: string; value: string }[] } | null {
  const step = columns[0][index];
  if (step === undefined) return null;
  return {
    step: `step ${step}`,
    values: names.map((name, i) => {
      const v = columns[i + 1]?.[index];
      return { name, value: v === null || v === undefined ? '—' : format(v) };
    }),
  };
}
