/// <reference types="node" />
import { readFileSync, readdirSync } from 'node:fs';
import { expect, it } from 'vitest';

it('imports other workspace packages as types only, so no schema code reaches a browser bundle', () => {
  const dir = new URL('.', import.meta.url);
  const sources = readdirSync(dir).filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'));
  expect(sources).toContain('client.ts');
  for (const name of sources) {
    const source = readFileSync(new URL(name, dir), 'utf8');
    for (const statement of source.match(/^(?:import|export)\b[^;]*?from '@switchboard\/[^']+';/gm) ?? []) {
      expect(statement, name).toMatch(/^(?:import|export) type /);
    }
  }
});
