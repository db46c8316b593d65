import { startPostgres } from '@switchboard/test-services';
import type { BenchModule, BenchModuleContext, BenchModuleResult } from '../bench-module.js';
import { ChildGroup, hasTaskset } from '../child-processes.js';
import { createFlagSpecs } from '../flag-set.js';
import { markdownTable, textTable } from '../format.js';
import { headerLines, integer, judge, machineAtStart, targetMarkdown, targetText, type Target } from '../report-lines.js';
import { ServerProcess } from '../server/server-process.js';
import { runLoad } from './run-load.js';
import type { LoadResult } from './load-protocol.js';

/**
 * `GET /api/sdk/flags` under load: a server process pinned to CPU 0, autocannon in its
 * own process pinned to CPU 1, keep-alive connections, fixed durations after a warm-up.
 * Two cases: polling SDKs that already hold the current revision (`If-None-Match` →
 * 304, no body) and ones that don't (200 with the whole snapshot).
 */

const FLAG_COUNT = 100;
const CONNECTIONS = 50;
const ENVIRONMENT = 'production';
const TARGET_304 = 10_000;
const TARGET_200 = 3_000;

interface CaseResult {
  id: '304' | '200';
  label: string;
  result: LoadResult;
  /** CPU time the server used during the measured run, seconds. */
  serverCpuSeconds: number;
}

interface ThroughputRun {
  cases: CaseResult[];
  bodyBytes: number;
  durationSeconds: number;
  warmupSeconds: number;
  pinned: boolean;
}

async function measure(context: BenchModuleContext): Promise<ThroughputRun> {
  const quick = context.options.quick;
  const durationSeconds = quick ? 3 : 10;
  const warmupSeconds = quick ? 1 : 3;
  const log = (line: string) => console.log(`  ${line}`);
  const group = new ChildGroup();
  const pg = await startPostgres({ fast: true });
  try {
    const server = await ServerProcess.start(group, { name: 'server', database: { url: pg.url }, cpus: '0' });
    await server.admin.createFlags(createFlagSpecs(FLAG_COUNT), ENVIRONMENT);
    const key = await server.admin.createKey('server', ENVIRONMENT);
    const url = `${server.url}/api/sdk/flags`;
    const authorization = `Bearer ${key}`;

    // The two requests answer what they should before anything is loaded.
    const full = await fetch(url, { headers: { authorization } });
    const body = await full.text();
    const etag = full.headers.get('etag');
    const flags = Object.keys((JSON.parse(body) as { flags: object }).flags).length;
    if (full.status !== 200 || !etag || flags !== FLAG_COUNT)
      throw new Error(`GET /api/sdk/flags answered ${full.status}, etag ${etag}, ${flags} flags`);
    const notModified = await fetch(url, { headers: { authorization, 'if-none-match': etag } });
    await notModified.arrayBuffer();
    if (notModified.status !== 304) throw new Error(`GET /api/sdk/flags with If-None-Match answered ${notModified.status}`);
    log(`server pid ${server.pid} on Postgres, ${FLAG_COUNT} flags, snapshot ${integer(Buffer.byteLength(body))} bytes, ETag ${etag}`);

    const cases: { id: '304' | '200'; label: string; headers: Record<string, string> }[] = [
      { id: '304', label: '304 Not Modified (`If-None-Match` current)', headers: { authorization, 'if-none-match': etag } },
      { id: '200', label: `200 with the snapshot (${FLAG_COUNT} flags)`, headers: { authorization } },
    ];
    const results: CaseResult[] = [];
    for (const c of cases) {
      await runLoad(group, { url, connections: CONNECTIONS, durationSeconds: warmupSeconds, headers: c.headers }, '1');
      const cpuBefore = server.cpuSeconds();
      const result = await runLoad(group, { url, connections: CONNECTIONS, durationSeconds, headers: c.headers }, '1');
      const serverCpuSeconds = server.cpuSeconds() - cpuBefore;
      const unexpected = Object.entries(result.statusCounts).filter(([status]) => status !== c.id);
      if (unexpected.length > 0 || result.errors > 0) {
        throw new Error(
          `${c.id} run: unexpected answers ${JSON.stringify(result.statusCounts)}, ${result.errors} errors, ${result.timeouts} timeouts`,
        );
      }
      log(
        `${c.id}: ${integer(result.requestsPerSecond.mean)} req/s, p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms, server CPU ${(serverCpuSeconds / result.durationSeconds).toFixed(2)} cores`,
      );
      results.push({ id: c.id, label: c.label, result, serverCpuSeconds });
    }
    return { cases: results, bodyBytes: Buffer.byteLength(body), durationSeconds, warmupSeconds, pinned: hasTaskset() };
  } finally {
    await group.closeAll();
    await pg.stop();
  }
}

function render(run: ThroughputRun, context: BenchModuleContext, machine: ReturnType<typeof machineAtStart>): BenchModuleResult {
  const byId = new Map(run.cases.map((c) => [c.id, c]));
  const rps = (id: '304' | '200') => byId.get(id)!.result.requestsPerSecond.mean;
  const cores = (c: CaseResult) => (c.serverCpuSeconds / c.result.durationSeconds).toFixed(2);
  const loadCores = (c: CaseResult) => (c.result.cpuSeconds / c.result.durationSeconds).toFixed(2);
  // Responses per second of CPU the server actually got: what one core it had to itself
  // would serve. Other work on the machine can take part of the pinned core.
  const perCore = (c: CaseResult) => c.result.total / c.serverCpuSeconds;
  const note = (id: '304' | '200') => {
    const c = byId.get(id)!;
    return ` (the server used ${cores(c)} of its core; ${integer(perCore(c))} responses per CPU-second)`;
  };
  const targets: Target[] = [
    {
      ...judge(rps('304'), TARGET_304, false),
      text: `≥ ${integer(TARGET_304)} req/s for 304s on one core: ${integer(rps('304'))} req/s${note('304')}`,
    },
    {
      ...judge(rps('200'), TARGET_200, false),
      text: `≥ ${integer(TARGET_200)} req/s for 200s (issue 3): ${integer(rps('200'))} req/s${note('200')}`,
    },
  ];
  const row = (c: CaseResult) => [
    c.label,
    integer(c.result.requestsPerSecond.mean),
    `${integer(c.result.requestsPerSecond.min)}–${integer(c.result.requestsPerSecond.max)}`,
    String(c.result.latencyMs.p50),
    String(c.result.latencyMs.p99),
    integer(c.result.total),
    cores(c),
    integer(perCore(c)),
    loadCores(c),
  ];
  const header = [
    'response',
    'req/s (mean)',
    'min–max req/s (1 s samples)',
    'p50 (ms)',
    'p99 (ms)',
    'responses',
    'server CPU (cores)',
    'responses per server CPU-second',
    'load generator CPU (cores)',
  ];
  const pinning = run.pinned
    ? 'The server process is pinned to CPU 0 and the load generator to CPU 1 with `taskset`, so the server has exactly one core'
    : 'taskset was not available, so the server and the load generator were not pinned and shared both cores';
  const method =
    `\`node apps/server/dist/server.js\` as its own process on Postgres 15 (test-services, fsync off), with ${FLAG_COUNT} flags created through the admin API (half plain, the rest rollouts and targeting rules) and a server key. ` +
    `autocannon ${CONNECTIONS} keep-alive connections, no pipelining, from its own process: a ${run.warmupSeconds} s warm-up, then ${run.durationSeconds} s measured, per case. ` +
    `${pinning}. Postgres, the benchmark runner and anything else on the machine were not pinned. Before loading, the benchmark checks that the 200 carries all ${FLAG_COUNT} flags and that the ETag answers 304; during the runs every answer must be the expected status, with no errors or timeouts. ` +
    "Server CPU is the process's user + system time over the run (1.00 = its core busy all the time); below 1.00 the server was waiting, either for requests (when the load generator's own column nears 1.00, it could not keep up) or for its core, which other work on the machine can take even when the server is pinned. Responses per server CPU-second is therefore also given: what the server serves per second of a core it has to itself. Latency is autocannon's, in whole milliseconds.";
  const markdown = [
    '## Server throughput: `GET /api/sdk/flags`',
    '',
    `SDK polling throughput of one server process on one core: how many snapshot requests it answers from memory, with and without a current ETag. The snapshot is ${integer(run.bodyBytes)} bytes of JSON.`,
    '',
    ...headerLines(context, machine, 'packages/benchmarks/src/server-throughput', method),
    '',
    '### Results',
    '',
    markdownTable(header, run.cases.map(row), ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r']),
    '',
    '### Targets (PRODUCT.md and issue 3)',
    '',
    ...targets.map(targetMarkdown),
    '',
    'The load generator shares the machine with the server: on this 2-core machine it gets the other core, so a faster load generator or a larger machine could only raise these figures, not lower them. autocannon is itself a Node process; when its CPU column is near 1.00 it was the bottleneck rather than the server.',
  ].join('\n');
  const text = [textTable(header, run.cases.map(row)), '', 'targets:', ...targets.map(targetText)].join('\n');
  return { markdown, text };
}

export const serverThroughputBenchmark: BenchModule = {
  id: 'server-throughput',
  title: 'Server throughput (GET /api/sdk/flags)',
  async run(context): Promise<BenchModuleResult> {
    const machine = machineAtStart(context);
    return render(await measure(context), context, machine);
  },
};
