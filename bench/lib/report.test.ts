import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MissingLimitError, Report, renderMarkdown, renderTable, type Figure } from './report.ts';

const machine = { cores: '2' };

function missed(overrides: Partial<Figure> = {}): Figure {
  return { section: '7 · Memory', name: 'idle', value: '492 MiB', reference: 'demo data', target: '≤ 250 MiB', verdict: 'missed', ...overrides };
}

describe('the report writer', () => {
  // Report.add echoes each figure to the terminal as the run goes.
  beforeEach(() => void vi.spyOn(console, 'log').mockImplementation(() => {}));
  afterEach(() => vi.restoreAllMocks());

  it('refuses a missed target that does not say what limits it', () => {
    const report = new Report();
    report.add(missed());
    report.add(missed({ name: 'under load', limit: '  ' }));
    expect(() => renderMarkdown(report, machine, '# Results')).toThrow(MissingLimitError);
    expect(() => renderMarkdown(report, machine, '# Results')).toThrow('7 · Memory · idle; 7 · Memory · under load');
  });

  it('writes a missed target with its limit in the targets summary and in its section', () => {
    const report = new Report();
    report.add(missed({ limit: 'anonymous memory 400 MiB' }));
    report.add({ section: '6 · SPA', name: 'build', value: '2.5 s', verdict: 'info' });
    const markdown = renderMarkdown(report, machine, '# Results');
    expect(markdown).toContain('| section | figure | value | reference | target | verdict | what limits it |');
    expect(markdown).toContain('| 7 · Memory | idle | 492 MiB | demo data | ≤ 250 MiB | missed | anonymous memory 400 MiB |');
    expect(markdown).toContain('| figure | median / value | spread | reference | target | verdict | what limits it | note |');
    expect(markdown).toContain('| idle | 492 MiB |  | demo data | ≤ 250 MiB | missed | anonymous memory 400 MiB |  |');
  });

  it('accepts met targets and informational figures without a limit', () => {
    const report = new Report();
    report.add(missed({ verdict: 'met' }));
    report.add({ section: '6 · SPA', name: 'build', value: '2.5 s', verdict: 'info' });
    expect(renderMarkdown(report, machine, '# Results')).toContain('| idle | 492 MiB |  | demo data | ≤ 250 MiB | met |  |  |');
  });

  it('gives a section-wide limit only to that section’s missed figures that lack one', () => {
    const report = new Report();
    report.add(missed({ section: '4 · Realtime', name: 'p95' }));
    report.add(missed({ section: '4 · Realtime', name: 'burst', limit: 'its own' }));
    report.add(missed({ section: '7 · Memory', name: 'idle' }));
    report.limitMissed('4 · Realtime', 'cores busy');
    expect(report.figures.map((f) => f.limit)).toEqual(['cores busy', 'its own', undefined]);
  });

  it('escapes pipes in cells so a value cannot break the table', () => {
    const report = new Report();
    report.add({ section: '1 · Data', name: 'a | b', value: 'x', verdict: 'info' });
    expect(renderMarkdown(report, machine, '# Results')).toContain('| a \\| b | x |');
  });

  it('lists each missed target with what limits it under the terminal table', () => {
    const table = renderTable([missed({ limit: 'anonymous memory' }), missed({ name: 'under load' })]);
    expect(table.split('\n').slice(-3)).toEqual([
      'What limits each missed target:',
      '- 7 · Memory · idle: anonymous memory',
      '- 7 · Memory · under load: NO LIMIT GIVEN',
    ]);
  });
});
