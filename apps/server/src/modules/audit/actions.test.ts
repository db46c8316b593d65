/**
 * `GET /audit?action=` refuses what AUDIT_ACTIONS doesn't list, so a module that records a
 * new action without listing it would write events nobody can filter for. This reads the
 * modules' sources for the actions they record literally (`action: 'x.y'`).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AUDIT_ACTIONS } from '@switchboard/api-contract';

const SRC = fileURLToPath(new URL('../..', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'test-support' ? [] : sources(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [path] : [];
  });
}

describe('audit actions', () => {
  it('every action a module records is one GET /audit?action= accepts', () => {
    const recorded = new Set<string>();
    for (const file of sources(SRC)) {
      for (const m of readFileSync(file, 'utf8').matchAll(/action: '([a-z-]+\.[a-z.-]+)'/g)) recorded.add(m[1]!);
    }
    expect(recorded.size).toBeGreaterThan(20);
    expect([...recorded].filter((a) => !(AUDIT_ACTIONS as readonly string[]).includes(a))).toEqual([]);
  });
});
