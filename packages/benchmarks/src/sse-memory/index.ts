import { startPostgres } from '@switchboard/test-services';
import type { BenchModule, BenchModuleContext, BenchModuleResult } from '../bench-module.js';
import { ChildGroup } from '../child-processes.js';
import { createFlagSpecs } from '../flag-set.js';
import { markdownTable, textTable } from '../format.js';
import { headerLines, integer, judge, kib, machineAtStart, targetMarkdown, targetText, type Target } from '../report-lines.js';
import type { MemoryReport } from '../server/probe-protocol.js';
import { SseConnection } from '../server/sse-connection.js';
import { ServerProcess } from '../server/server-process.js';

/**
 * Memory an idle SSE connection costs the server: open streams to one server process
 * in steps, and after each step (once every stream has its `put`) take the server's
 * resident set from /proc and its heap after full GCs (from the probe). Per connection
 * is the growth divided by the number of streams.
 */

const FLAG_COUNT = 100;
const ENVIRONMENT = 'production';
const TARGET_BYTES = 20 * 1024;
const WARMUP_STREAMS = 20;
const OPEN_BATCH = 50;
const SETTLE_MS = 1000;

interface Point {
  label: string;
  streams: number;
  rss: number;
  memory: MemoryReport;
  /** The server's own gauge, `switchboard_sse_connections`. */
  gauge: number;
}

interface SseMemoryRun {
  points: Point[];
  steps: number[];
  snapshotBytes: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function openMany(url: string, key: string, count: number): Promise<SseConnection[]> {
  const out: SseConnection[] = [];
  for (let i = 0; i < count; i += OPEN_BATCH) {
    const batch = await Promise.all(Array.from({ length: Math.min(OPEN_BATCH, count - i) }, () => SseConnection.open(url, key)));
    out.push(...batch);
  }
  return out;
}

async function measure(context: BenchModuleContext): Promise<SseMemoryRun> {
  const steps = context.options.quick ? [250, 500] : [500, 1000];
  const log = (line: string) => console.log(`  ${line}`);
  const group = new ChildGroup();
  const pg = await startPostgres({ fast: true });
  const streams: SseConnection[] = [];
  try {
    // Every reader connects from 127.0.0.1, standing for as many hosts: lift the per-address stream cap.
    const server = await ServerProcess.start(group, {
      name: 'server',
      database: { url: pg.url },
      env: { SSE_MAX_CONNECTIONS_PER_IP: String(Math.max(...steps) + WARMUP_STREAMS) },
    });
    await server.admin.createFlags(createFlagSpecs(FLAG_COUNT), ENVIRONMENT);
    const key = await server.admin.createKey('server', ENVIRONMENT);
    const snapshot = await (await fetch(`${server.url}/api/sdk/flags`, { headers: { authorization: `Bearer ${key}` } })).text();

    const point = async (label: string): Promise<Point> => {
      await sleep(SETTLE_MS);
      const memory = await server.memory();
      const rss = server.rss();
      const gauge = await server.metric('switchboard_sse_connections');
      log(`${label}: ${streams.length} streams, RSS ${kib(rss)} KiB, heap ${kib(memory.heapUsed)} KiB, gauge ${gauge}`);
      return { label, streams: streams.length, rss, memory, gauge };
    };

    // Warm up the code paths (and the allocator) with a few streams opened and closed.
    for (const s of await openMany(server.url, key, WARMUP_STREAMS)) s.close();
    const points: Point[] = [await point('baseline')];
    for (const step of steps) {
      streams.push(...(await openMany(server.url, key, step - streams.length)));
      const p = await point(`${integer(step)} streams`);
      if (p.gauge !== step) throw new Error(`the server counts ${p.gauge} open streams, expected ${step}`);
      points.push(p);
    }
    for (const s of streams.splice(0)) s.close();
    points.push(await point('all closed'));
    return { points, steps, snapshotBytes: Buffer.byteLength(snapshot) };
  } finally {
    for (const s of streams) s.close();
    await group.closeAll();
    await pg.stop();
  }
}

function render(run: SseMemoryRun, context: BenchModuleContext, machine: ReturnType<typeof machineAtStart>): BenchModuleResult {
  const base = run.points[0]!;
  const top = run.points.find((p) => p.streams === run.steps[run.steps.length - 1])!;
  const n = top.streams;
  const perRss = (top.rss - base.rss) / n;
  const perHeap = (top.memory.heapUsed - base.memory.heapUsed) / n;
  const perExternal = (top.memory.external - base.memory.external) / n;
  const mid = run.points.find((p) => p.streams === run.steps[0])!;
  const slopeRss = (top.rss - mid.rss) / (top.streams - mid.streams);
  const slopeHeap = (top.memory.heapUsed - mid.memory.heapUsed) / (top.streams - mid.streams);
  // Judged on the larger figure: resident memory can grow less than the heap when the
  // heap reuses pages that were already resident at the baseline.
  const judged = Math.max(perRss, perHeap + perExternal);
  const targets: Target[] = [
    {
      ...judge(judged, TARGET_BYTES, true),
      text: `< 20 KB of server memory per idle SSE connection: ${kib(judged)} KiB per connection at ${integer(n)} streams (the larger of RSS growth, ${kib(perRss)} KiB, and heap + external growth, ${kib(perHeap + perExternal)} KiB)`,
    },
  ];
  const header = [
    'point',
    'open streams',
    'RSS (KiB)',
    'JS heap used (KiB)',
    'external (KiB)',
    'RSS per stream vs baseline (KiB)',
    'heap per stream vs baseline (KiB)',
  ];
  const rows = run.points.map((p) => [
    p.label,
    integer(p.streams),
    kib(p.rss),
    kib(p.memory.heapUsed),
    kib(p.memory.external),
    p.streams > 0 ? kib((p.rss - base.rss) / p.streams) : '—',
    p.streams > 0 ? kib((p.memory.heapUsed - base.memory.heapUsed) / p.streams) : '—',
  ]);
  const method =
    `one server process (\`node apps/server/dist/server.js\`, Postgres 15 from test-services, ${FLAG_COUNT} flags, a ${integer(run.snapshotBytes)}-byte snapshot) and raw SSE readers in the benchmark process, one socket each, all with one server key. ` +
    `After ${WARMUP_STREAMS} streams opened and closed as a warm-up, streams are opened ${OPEN_BATCH} at a time up to ${run.steps.map(integer).join(' and then ')}; each must have received its whole \`put\`, and the server's \`switchboard_sse_connections\` gauge must show them all. ` +
    `${SETTLE_MS / 1000} s after each step the server runs three full GCs 250 ms apart (a probe preloaded into the server with \`--import\` answers an IPC message with \`process.memoryUsage()\` after them; the server code is unchanged), then VmRSS is read from \`/proc/<pid>/status\`. ` +
    'Per stream = growth over the baseline / open streams. The heap figure is exact for JS objects; RSS also catches native memory (sockets, HTTP parsers) but can grow less than the heap when the heap reuses pages already resident at the baseline, so the target is judged on the larger of the two. Kernel socket buffers are in neither and not counted.';
  const markdown = [
    '## SSE memory per idle connection',
    '',
    `How much memory one server process spends per open, idle \`GET /api/sdk/stream\` connection (after its \`put\`, before any change), at up to ${integer(n)} streams.`,
    '',
    ...headerLines(context, machine, 'packages/benchmarks/src/sse-memory', method),
    '',
    '### Results',
    '',
    markdownTable(header, rows, ['l', 'r', 'r', 'r', 'r', 'r', 'r']),
    '',
    `Between ${integer(mid.streams)} and ${integer(top.streams)} streams the server grew by ${kib(slopeRss)} KiB resident and ${kib(slopeHeap)} KiB of heap per added stream; external memory (buffers) moved by ${kib(perExternal)} KiB per stream. "All closed" shows what is handed back once the streams end.`,
    '',
    '### Targets (issue 3)',
    '',
    ...targets.map(targetMarkdown),
  ].join('\n');
  const text = [textTable(header, rows), '', 'targets:', ...targets.map(targetText)].join('\n');
  return { markdown, text };
}

export const sseMemoryBenchmark: BenchModule = {
  id: 'sse-memory',
  title: 'SSE memory per idle connection',
  async run(context): Promise<BenchModuleResult> {
    const machine = machineAtStart(context);
    return render(await measure(context), context, machine);
  },
};
