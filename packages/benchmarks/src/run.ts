import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchModule } from './bench-module.js';
import { findRepoRoot, writeSection } from './docs-writer.js';
import { describeMachine, machineLine } from './machine.js';
import { parseOptions } from './options.js';

/**
 * Every benchmark module, in run order, loaded only when it runs. Each runs in a process
 * of its own: modules must not share a JIT, a heap or whatever their dependencies do to
 * V8 at import time (ioredis 6 subclasses String, which slows every `str.charCodeAt` in
 * the process: it would slow the peers' hashing and the floor's in the evaluation benchmark).
 */
const MODULES: readonly { id: string; load: () => Promise<BenchModule> }[] = [
  { id: 'evaluation', load: async () => (await import('./evaluation/index.js')).evaluationBenchmark },
  { id: 'sdk-evaluation', load: async () => (await import('./sdk-evaluation/index.js')).sdkEvaluationBenchmark },
  { id: 'sdk-heap', load: async () => (await import('./sdk-heap/index.js')).sdkHeapBenchmark },
  { id: 'server-throughput', load: async () => (await import('./server-throughput/index.js')).serverThroughputBenchmark },
  { id: 'snapshot-compressed', load: async () => (await import('./snapshot-compressed/index.js')).snapshotCompressedBenchmark },
  { id: 'admin-10k', load: async () => (await import('./admin-10k/index.js')).admin10kBenchmark },
  { id: 'sse-memory', load: async () => (await import('./sse-memory/index.js')).sseMemoryBenchmark },
  { id: 'kill-switch', load: async () => (await import('./kill-switch/index.js')).killSwitchBenchmark },
  { id: 'hostile-sse', load: async () => (await import('./hostile-sse/index.js')).hostileSseBenchmark },
  { id: 'guard-evaluation', load: async () => (await import('./guard-evaluation.js')).guardEvaluationBenchmark },
  { id: 'release-round', load: async () => (await import('./release-round.js')).releaseRoundBenchmark },
];

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const unknown = options.only.filter((id) => !MODULES.some((m) => m.id === id));
  if (unknown.length > 0) throw new Error(`unknown module(s) ${unknown.join(', ')}; known: ${MODULES.map((m) => m.id).join(', ')}`);
  const selected = MODULES.filter((m) => options.only.length === 0 || options.only.includes(m.id));
  const machine = describeMachine();
  const docs = join(findRepoRoot(fileURLToPath(import.meta.url)), 'docs', 'benchmarks.md');
  console.log(`switchboard benchmarks on ${machineLine(machine)}\n`);
  if (selected.length > 1) {
    // One child process per module (see MODULES); each writes its own section.
    const passOn = process.argv.slice(2).filter((arg) => !arg.startsWith('--only='));
    for (const { id } of selected) {
      const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...passOn, `--only=${id}`], {
        stdio: 'inherit',
      });
      if (child.status !== 0) throw new Error(`benchmark "${id}" failed (exit ${child.status ?? child.signal})`);
    }
    return;
  }
  for (const entry of selected) {
    const module = await entry.load();
    const started = performance.now();
    console.log(`== ${module.title} ==`);
    const result = await module.run({ options, machine });
    console.log(`${result.text}\n(${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
    if (options.write) {
      writeSection(docs, module.id, result.markdown);
      console.log(`wrote section "${module.id}" of ${docs}\n`);
    }
  }
  if (!options.write) console.log('docs/benchmarks.md left unchanged (--no-write or --quick)');
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
