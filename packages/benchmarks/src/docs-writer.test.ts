import { describe, expect, it } from 'vitest';
import { replaceSection } from './docs-writer.js';

describe('replaceSection', () => {
  const doc = [
    '# Benchmarks',
    '',
    '<!-- bench:evaluation:start -->',
    '## Evaluation (core)',
    'old numbers',
    '<!-- bench:evaluation:end -->',
    '',
    'hand-written notes',
    '',
    '<!-- bench:server:start -->',
    '## Server',
    'server numbers',
    '<!-- bench:server:end -->',
    '',
  ].join('\n');

  it('replaces only its own section', () => {
    const out = replaceSection(doc, 'evaluation', '## Evaluation (core)\nnew numbers');
    expect(out).toContain('new numbers');
    expect(out).not.toContain('old numbers');
    expect(out).toContain('hand-written notes');
    expect(out).toContain('server numbers');
    expect(out.indexOf('new numbers')).toBeLessThan(out.indexOf('hand-written notes'));
  });

  it('appends a section that is not there yet', () => {
    const out = replaceSection(doc, 'sdk-heap', '## SDK heap\nbytes');
    expect(out.endsWith('<!-- bench:sdk-heap:start -->\n## SDK heap\nbytes\n<!-- bench:sdk-heap:end -->\n')).toBe(true);
    expect(out).toContain('old numbers');
  });

  it('is idempotent', () => {
    const once = replaceSection(doc, 'server', '## Server\nv2');
    expect(replaceSection(once, 'server', '## Server\nv2')).toBe(once);
  });

  it('refuses unbalanced markers instead of clobbering', () => {
    expect(() => replaceSection('<!-- bench:server:start -->\nno end', 'server', 'x')).toThrow(/unbalanced/);
  });
});
