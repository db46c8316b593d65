/// <reference types="node" />
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

interface Measured {
  target: number;
  ceiling: number;
  rows: { id: string; main: { min: number; gzip: number; modules: string[] }; lazy: { chunk: string; min: number; gzip: number }[] }[];
}

// The size budget in CI: what every page loads for "import createClient, evaluate one
// flag" (esbuild --bundle --minify --format=esm --platform=browser --splitting, gzip -9).
// scripts/size.mjs measures; `pnpm bench` also measures the peers and writes the docs.
describe('bundle size', () => {
  const script = join(dirname(fileURLToPath(import.meta.url)), '..', 'scripts', 'size.mjs');
  const measured = JSON.parse(execFileSync(process.execPath, [script, '--json', '--only=switchboard'], { encoding: 'utf8' })) as Measured;
  const ours = measured.rows[0]!;

  // The 4 kB target isn't met yet (docs/benchmarks.md says by how much); the ceiling
  // keeps the main chunk from growing while it is worked down.
  it(`keeps the main chunk under the ${measured.ceiling}-byte ceiling (target ${measured.target})`, () => {
    const lazy = ours.lazy.map((l) => `${l.chunk} ${l.gzip} B`).join(', ');
    expect(ours.main.gzip, `main chunk ${ours.main.gzip} B min+gzip (${ours.main.min} B min); on demand: ${lazy}`).toBeLessThanOrEqual(
      measured.ceiling,
    );
  });

  it('keeps the parsers (loaded on demand), the fast hashing and the compiled engine out of the main chunk', () => {
    const core = ours.main.modules.filter((m) => m.startsWith('packages/core/'));
    expect(core).toContain('packages/core/dist/evaluator.js');
    // Named by what they are rather than listing the engine's modules, so core can
    // reorganise its evaluator freely: the size ceiling above catches any growth.
    expect(core.filter((m) => /\/(operators|regex|semver|instant)\.js$/.test(m))).toEqual([]);
    // The fast murmur3 (ASCII fast path, ~300 B more) is for Node; pages hash with murmur3Compact.
    expect(core).not.toContain('packages/core/dist/murmur3.js');
    // So is the compiled engine (prebuilt results, a WeakMap cache, held flags, ~400 B
    // more): the compact one in evaluator.js reads flag documents as they are.
    expect(core.filter((m) => /\/(compile|compiled-evaluator|compiled-flag)\.js$/.test(m))).toEqual([]);
    expect(ours.main.modules.some((m) => m.includes('remote'))).toBe(false);
    expect(ours.lazy.map((l) => l.chunk).sort()).toEqual(['operators', 'remote']);
    // The regex engine is most of the operators chunk.
    expect(ours.lazy.find((l) => l.chunk === 'operators')!.gzip).toBeGreaterThan(2_000);
  });
});
