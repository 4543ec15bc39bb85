/**
 * Collects figures as the run goes and renders them twice: a plain table on stdout and
 * bench/RESULTS.md. A figure is an observation (median and spread) with an optional
 * target; nothing here fails the run when a target is missed.
 */

export type Verdict = 'met' | 'missed' | 'info' | 'not measured';

export interface Figure {
  section: string;
  name: string;
  /** The headline value, already formatted (e.g. "412 ms", "1,830 /s"). */
  value: string;
  /** Spread over repeats or samples (e.g. "p95 480 ms", "min–max 1.2–1.4"). */
  spread?: string;
  target?: string;
  verdict: Verdict;
  note?: string;
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

export function renderTable(figures: Figure[]): string {
  const header = ['section', 'figure', 'value', 'spread', 'target', 'verdict'];
  const rows = figures.map((f) => [f.section, f.name, f.value, f.spread ?? '', f.target ?? '', f.verdict]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((cell, i) => pad(cell, widths[i])).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function renderMarkdown(report: Report, machine: Record<string, string>, header: string): string {
  const out: string[] = [header, ''];
  out.push('## Machine', '');
  out.push('| | |', '|---|---|');
  for (const [key, value] of Object.entries(machine)) out.push(`| ${escapeCell(key)} | ${escapeCell(value)} |`);
  out.push('');

  const sections = [...new Set(report.sortedFigures().map((f) => f.section))];
  out.push('## Figures', '');
  for (const section of sections) {
    out.push(`### ${section}`, '');
    out.push('| figure | median / value | spread | target | verdict | note |', '|---|---|---|---|---|---|');
    for (const f of report.figures.filter((x) => x.section === section)) {
      out.push(
        `| ${escapeCell(f.name)} | ${escapeCell(f.value)} | ${escapeCell(f.spread ?? '')} | ${escapeCell(f.target ?? '')} | ${f.verdict} | ${escapeCell(f.note ?? '')} |`,
      );
    }
    out.push('');
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
