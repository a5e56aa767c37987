/** Colours of the classes on the scatter and its legend (Tableau 10: tells ten classes apart). */
export const CLASS_COLOURS = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
] as const;

export function classColour(label: number): string {
  return CLASS_COLOURS[label % CLASS_COLOURS.length]!;
}

/** Two decimals, with a real minus sign. */
export function formatCoord(v: number): string {
  return v.toFixed(2).replace('-', '\u2212');
}
