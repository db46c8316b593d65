/** Command-line options for `node dist/run.js`; the only reader of argv. */

export interface BenchOptions {
  /** Timed samples per case. */
  samples: number;
  /** Target duration of one sample, in milliseconds. */
  sampleMs: number;
  /** Warm-up per case before sampling, in milliseconds. */
  warmupMs: number;
  /** Shorter runs everywhere (server modules: shorter loads, fewer flips), for trying changes out. */
  quick: boolean;
  /** Update docs/benchmarks.md with this run's sections. */
  write: boolean;
  /** Module ids to run; empty runs all. */
  only: string[];
  /** The command recorded in the docs. */
  command: string;
}

const USAGE = `usage: node --expose-gc dist/run.js [--quick] [--samples=N] [--sample-ms=N] [--warmup-ms=N] [--no-write] [--only=id,id]
  --quick   5 samples of 50 ms, shorter server loads and fewer flips, for trying changes out; implies --no-write`;

export function parseOptions(argv: readonly string[]): BenchOptions {
  const options: BenchOptions = {
    samples: 15,
    sampleMs: 200,
    warmupMs: 400,
    quick: false,
    write: true,
    only: [],
    command: 'pnpm bench',
  };
  for (const arg of argv) {
    if (arg === '--') continue; // package managers forward the separator itself
    const [name, value] = arg.split('=', 2) as [string, string | undefined];
    const number = () => {
      const n = Number(value);
      if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} needs a positive number\n${USAGE}`);
      return n;
    };
    switch (name) {
      case '--quick':
        options.quick = true;
        options.samples = 5;
        options.sampleMs = 50;
        options.warmupMs = 200;
        options.write = false;
        break;
      case '--samples':
        options.samples = Math.round(number());
        break;
      case '--sample-ms':
        options.sampleMs = number();
        break;
      case '--warmup-ms':
        options.warmupMs = number();
        break;
      case '--no-write':
        options.write = false;
        break;
      case '--write':
        options.write = true;
        break;
      case '--only':
        options.only = (value ?? '').split(',').filter(Boolean);
        break;
      case '--help':
        console.log(USAGE);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option ${arg}\n${USAGE}`);
    }
  }
  return options;
}
