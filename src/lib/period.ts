/** The period figures cover, as people read it. Bounds are ISO timestamps; `to` is exclusive. */
const periodFormatter = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

/** "All time", "1 Nov 2026 – today", "Until 30 Nov 2026" or "1 Nov 2026 – 30 Nov 2026". */
export function describePeriod(range: { from: string | null; to: string | null }): string {
  const first = range.from ? new Date(range.from) : null;
  // The upper bound is the next midnight; the last day shown is the one before it.
  const last = range.to ? new Date(new Date(range.to).getTime() - 1) : null;
  if (first && last) return `${periodFormatter.format(first)} – ${periodFormatter.format(last)}`;
  if (first) return `${periodFormatter.format(first)} – today`;
  if (last) return `Until ${periodFormatter.format(last)}`;
  return 'All time';
}
