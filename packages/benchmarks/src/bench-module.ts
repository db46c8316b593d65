import type { Machine } from './machine.js';
import type { BenchOptions } from './options.js';

export interface BenchModuleContext {
  options: BenchOptions;
  machine: Machine;
}

export interface BenchModuleResult {
  /** This module's section of docs/benchmarks.md, starting with its `##` heading. */
  markdown: string;
  /** What to print on the terminal. */
  text: string;
}

/**
 * One benchmark: it measures, and renders its own section of docs/benchmarks.md
 * (the section between the markers for `id`). Add a module by implementing this and
 * listing it in run.ts.
 */
export interface BenchModule {
  /** Section id in docs/benchmarks.md, kebab-case. */
  id: string;
  title: string;
  run(context: BenchModuleContext): Promise<BenchModuleResult>;
}
