/**
 * Collects figures as the run goes and renders them twice: a plain table on stdout and
 * bench/RESULTS.md. A figure is an observation (median and spread) with an optional
 * reference and target; nothing here fails the run when a target is missed, but a
 * missed target must say what limits it, or the report is not written.
 */

export type Verdict = 'met' | 'missed' | 'info' | 'not measured';

export interface Figure {
  section: string;
  name: string;
  /** The headline value, already formatted (e.g. "412 ms", "1,830 /s"). */
  value: string;
  /** Spread over repeats or samples (e.g. "p95 480 ms", "min–max 1.2–1.4"). */
  spread?: string;
  /** What the value is compared with, measured in the same run (e.g. "pgbench one-row 1,114 /s"). */
  reference?: string;
  target?: string;
  verdict: Verdict;
  /** What limits the figure, from the run's own measurements; required when the target is missed. */
  limit?: string;
  note?: string;
}

/** A missed target without its limit: the report refuses to be written with one. */
export class MissingLimitError extends Error {
  constructor(readonly figures: Figure[]) {
    super(`Missed targets without what limits them: ${figures.map((f) => `${f.section} · ${f.name}`).join('; ')}`);
    this.name = 'MissingLimitError';
  }
}

export function missedWithoutLimit(figures: Figure[]): Figure[] {
  return figures.filter((f) => f.verdict === 'missed' && !f.limit?.trim());
}

export interface Appendix {
  title: string;
  /** Markdown body. */
  body: string;
}

export class Report {
  readonly figures: Figure[] = [];
  readonly appendices: Appendix[] = [];
  readonly notes: string[] = [];

  add(figure: Figure): void {
    this.figures.push(figure);
    const target = figure.target ? `  [target ${figure.target}: ${figure.verdict}]` : '';
    const spread = figure.spread ? ` (${figure.spread})` : '';
    console.log(`  ${figure.section} · ${figure.name}: ${figure.value}${spread}${target}`);
  }

  notMeasured(section: string, name: string, reason: string, target?: string): void {
    this.add({ section, name, value: 'not measured', target, verdict: 'not measured', note: reason });
  }

  /**
   * Gives `limit` to the section's missed figures that came without one: for a section
   * whose rows are written elsewhere, with what the run measured around it.
   */
  limitMissed(section: string, limit: string): void {
    for (const figure of missedWithoutLimit(this.figures)) {
      if (figure.section === section) figure.limit = limit;
    }
  }

  appendix(title: string, body: string): void {
    this.appendices.push({ title, body });
  }

  note(text: string): void {
    this.notes.push(text);
  }

  /** Figures grouped by section (sections are numbered), in the order they were added. */
  sortedFigures(): Figure[] {
    return this.figures
      .map((figure, index) => ({ figure, index }))
      .sort((a, b) => a.figure.section.localeCompare(b.figure.section) || a.index - b.index)
      .map((x) => x.figure);
  }
}

export function verdict(met: boolean): Verdict {
  return met ? 'met' : 'missed';
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

/** The table for the terminal, then each missed target with what limits it. */
export function renderTable(figures: Figure[]): string {
  const header = ['section', 'figure', 'value', 'spread', 'reference', 'target', 'verdict'];
  const rows = figures.map((f) => [f.section, f.name, f.value, f.spread ?? '', f.reference ?? '', f.target ?? '', f.verdict]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((cell, i) => pad(cell, widths[i])).join('  ');
  const missed = figures.filter((f) => f.verdict === 'missed').map((f) => `- ${f.section} · ${f.name}: ${f.limit ?? 'NO LIMIT GIVEN'}`);
  const limits = missed.length ? ['', 'What limits each missed target:', ...missed] : [];
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line), ...limits].join('\n');
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function markdownTable(columns: string[], rows: string[][]): string[] {
  const line = (cells: string[]) => `| ${cells.map(escapeCell).join(' | ')} |`;
  return [line(columns), `|${columns.map(() => '---').join('|')}|`, ...rows.map(line), ''];
}

const COLUMNS = ['figure', 'median / value', 'spread', 'reference', 'target', 'verdict', 'what limits it', 'note'];

function figureCells(f: Figure): string[] {
  return [f.name, f.value, f.spread ?? '', f.reference ?? '', f.target ?? '', f.verdict, f.limit ?? '', f.note ?? ''];
}

/** Every figure with a target, in one table: the run's answer to the targets at a glance. */
function targetsSummary(figures: Figure[]): string[] {
  const targeted = figures.filter((f) => f.target);
  if (targeted.length === 0) return [];
  const columns = ['section', 'figure', 'value', 'reference', 'target', 'verdict', 'what limits it'];
  const rows = targeted.map((f) => [f.section, f.name, f.value, f.reference ?? '', f.target ?? '', f.verdict, f.limit ?? '']);
  return ['## Targets', '', ...markdownTable(columns, rows)];
}

/** Throws MissingLimitError when a missed target does not say what limits it. */
export function renderMarkdown(report: Report, machine: Record<string, string>, header: string): string {
  const unexplained = missedWithoutLimit(report.figures);
  if (unexplained.length) throw new MissingLimitError(unexplained);
  const out: string[] = [header, ''];
  out.push('## Machine', '', ...markdownTable(['', ''], Object.entries(machine)));
  out.push(...targetsSummary(report.sortedFigures()));

  const sections = [...new Set(report.sortedFigures().map((f) => f.section))];
  out.push('## Figures', '');
  for (const section of sections) {
    out.push(`### ${section}`, '', ...markdownTable(COLUMNS, report.figures.filter((x) => x.section === section).map(figureCells)));
  }
  if (report.notes.length) {
    out.push('## Notes', '');
    for (const note of report.notes) out.push(`- ${note}`);
    out.push('');
  }
  for (const appendix of report.appendices) {
    out.push(`## ${appendix.title}`, '', appendix.body.trimEnd(), '');
  }
  return out.join('\n');
}
