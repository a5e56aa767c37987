/**
 * The colour scale of D's map: a probability in [0, 1] from deep blue (D calls it fake) through
 * purple to orange and yellow (D calls it real), readable over the dark pad and by people who
 * do not tell red from green.
 */
const STOPS: [number, [number, number, number]][] = [
  [0, [30, 58, 138]],
  [0.35, [124, 58, 237]],
  [0.65, [234, 88, 12]],
  [1, [250, 204, 21]],
];

/** RGB of a probability (clamped to [0, 1]; NaN paints grey). */
export function heatColour(p: number): [number, number, number] {
  if (Number.isNaN(p)) return [100, 116, 139];
  const v = Math.min(1, Math.max(0, p));
  for (let i = 1; i < STOPS.length; i++) {
    const [t1, c1] = STOPS[i]!;
    const [t0, c0] = STOPS[i - 1]!;
    if (v <= t1) {
      const f = (v - t0) / (t1 - t0);
      return [0, 1, 2].map((k) => Math.round(c0[k]! + f * (c1[k]! - c0[k]!))) as [
        number,
        number,
        number,
      ];
    }
  }
  return STOPS[STOPS.length - 1]![1];
}

/** A CSS gradient of the whole scale, for the map's legend. */
export const HEAT_GRADIENT = `linear-gradient(to right, ${STOPS.map(
  ([t, [r, g, b]]) => `rgb(${r}, ${g}, ${b}) ${t * 100}%`,
).join(', ')})`;
