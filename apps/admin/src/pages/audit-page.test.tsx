/// <reference types="node" />
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ACTIONS } from './audit-page';

describe('audit log action filter', () => {
  // Read from the contract's source: the page doesn't depend on the contract package, to keep its schemas out of the bundle.
  it("offers exactly the API's audit actions, in its order", () => {
    const source = readFileSync(join(process.cwd(), '../../packages/api-contract/src/audit.ts'), 'utf8');
    const list = source.slice(source.indexOf('export const AUDIT_ACTIONS = ['), source.indexOf('] as const'));
    expect(ACTIONS).toEqual([...list.matchAll(/'([^']+)'/g)].map((m) => m[1]));
  });
});
