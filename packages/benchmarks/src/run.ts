import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchModule } from './bench-module.js';
import { findRepoRoot, writeSection } from './docs-writer.js';
import { evaluationBenchmark } from './evaluation/index.js';
import { describeMachine, machineLine } from './machine.js';
import { parseOptions } from './options.js';

/** Every benchmark module, in run order. Later modules (server, SDK heap, …) go here. */
const MODULES: readonly BenchModule[] = [evaluationBenchmark];

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const unknown = options.only.filter((id) => !MODULES.some((m) => m.id === id));
  if (unknown.length > 0) throw new Error(`unknown module(s) ${unknown.join(', ')}; known: ${MODULES.map((m) => m.id).join(', ')}`);
  const selected = MODULES.filter((m) => options.only.length === 0 || options.only.includes(m.id));
  const machine = describeMachine();
  const docs = join(findRepoRoot(fileURLToPath(import.meta.url)), 'docs', 'benchmarks.md');
  console.log(`switchboard benchmarks on ${machineLine(machine)}\n`);
  for (const module of selected) {
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
