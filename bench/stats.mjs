// Medians with their range, for benchmark figures repeated in rounds.

/** { median, min, max, n } of the numbers, or null for none. */
export function summary(values) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = v.length >> 1;
  const median = v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
  return { median, min: v[0], max: v[v.length - 1], n: v.length };
}

/** "1,234 (1,100–1,300)" with `digits` decimals, or "n/a". */
export function formatSummary(s, digits = 0, unit = '') {
  if (!s) return 'n/a';
  const f = (x) =>
    x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return s.n > 1 ? `${f(s.median)}${unit} (${f(s.min)}–${f(s.max)})` : `${f(s.median)}${unit}`;
}
