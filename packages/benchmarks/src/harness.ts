/**
 * A sampling harness for sub-microsecond operations. Each case runs a batch of `count`
 * operations per call and reports one number; a sample is one timed call sized to take
 * about `sampleMs`, so timer resolution and loop overhead vanish into the batch.
 *
 * Cases of one group are measured in interleaved rounds (round r runs one sample of
 * every case, in an order rotated by r), so a slow minute on a shared machine lands
 * on every implementation instead of on whichever ran then. Outside the timed region,
 * a full GC runs before every round and a young-generation GC before every sample, so
 * nobody pays for another's garbage. (A full GC before every sample would do the same,
 * but with all the SDKs' contexts live it would take a large share of the run.)
 */

export interface BenchCase {
  id: string;
  /** Runs `count` operations; returns anything derived from them (kept, so they can't be optimised away). */
  run(count: number): number | Promise<number>;
}

export interface HarnessOptions {
  samples: number;
  sampleMs: number;
  warmupMs: number;
}

export interface CaseStats {
  id: string;
  /** Nanoseconds per operation, one entry per sample. */
  samples: number[];
  median: number;
  min: number;
  max: number;
  opsPerSample: number;
}

let sink = 0;
/** Read at the end so the results of every batch are observably used. */
export function harnessSink(): number {
  return sink;
}

type GcOptions = { type: 'major' | 'minor'; execution?: 'sync' };
const exposedGc = (globalThis as { gc?: (options?: GcOptions) => void }).gc;

function collectGarbage(type: GcOptions['type']): void {
  if (typeof exposedGc !== 'function') throw new Error('run node with --expose-gc: the harness collects garbage between samples');
  // A full collection is plain `gc()`: on Node 20 (V8 11.3) the options form
  // `{ type: 'major', execution: 'sync' }` returns without collecting the old generation.
  if (type === 'major') exposedGc();
  else exposedGc({ type, execution: 'sync' });
}

async function timeBatch(c: BenchCase, count: number): Promise<number> {
  const start = process.hrtime.bigint();
  const result = c.run(count);
  const value = typeof result === 'number' ? result : await result;
  const elapsed = Number(process.hrtime.bigint() - start);
  sink = (sink + value) | 0;
  return elapsed;
}

/** Warms the case up for about `warmupMs` and returns how many operations fill `sampleMs`. */
async function calibrate(c: BenchCase, options: HarnessOptions): Promise<number> {
  const deadline = performance.now() + options.warmupMs;
  let count = 1000;
  let nsPerOp = Infinity;
  while (performance.now() < deadline) {
    const elapsed = await timeBatch(c, count);
    nsPerOp = elapsed / count;
    if (elapsed < 20e6) count *= 2;
  }
  return Math.max(1000, Math.round((options.sampleMs * 1e6) / nsPerOp));
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export async function measureGroup(cases: readonly BenchCase[], options: HarnessOptions): Promise<CaseStats[]> {
  const counts: number[] = [];
  for (const c of cases) {
    collectGarbage('major');
    counts.push(await calibrate(c, options));
  }
  const samples: number[][] = cases.map(() => []);
  for (let round = 0; round < options.samples; round++) {
    collectGarbage('major');
    for (let k = 0; k < cases.length; k++) {
      const index = (k + round) % cases.length;
      collectGarbage('minor');
      const elapsed = await timeBatch(cases[index]!, counts[index]!);
      samples[index]!.push(elapsed / counts[index]!);
    }
  }
  return cases.map((c, i) => {
    const s = samples[i]!;
    return { id: c.id, samples: s, median: median(s), min: Math.min(...s), max: Math.max(...s), opsPerSample: counts[i]! };
  });
}
