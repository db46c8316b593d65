import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { startPostgres } from '@switchboard/test-services';
import type { BenchModule, BenchModuleContext, BenchModuleResult } from '../bench-module.js';
import { ChildGroup, hasTaskset } from '../child-processes.js';
import { createFlagSpecs } from '../flag-set.js';
import { markdownTable, textTable } from '../format.js';
import { headerLines, integer, judge, machineAtStart, targetMarkdown, targetText, type Target } from '../report-lines.js';
import { ServerProcess } from '../server/server-process.js';
import { runLoad } from '../server-throughput/run-load.js';
import type { LoadResult } from '../server-throughput/load-protocol.js';

/**
 * `GET /api/sdk/flags` answered compressed: 200s with brotli and with gzip (bytes made once
 * per revision) next to the uncompressed 200 and the 304, on one pinned server core.
 * Issue 16: compressed 200s keep ≥ 10,000 req/s, so compression costs nothing per request.
 */

const FLAG_COUNT = 200;
const CONNECTIONS = 50;
const ENVIRONMENT = 'production';
const TARGET_COMPRESSED = 10_000;

type CaseId = 'br' | 'gzip' | 'identity' | '304';

interface CaseResult {
  id: CaseId;
  label: string;
  status: string;
  /** Bytes of body one answer carries. */
  bodyBytes: number;
  result: LoadResult;
  serverCpuSeconds: number;
}

interface CompressedRun {
  cases: CaseResult[];
  jsonBytes: number;
  durationSeconds: number;
  warmupSeconds: number;
  pinned: boolean;
}

/** The raw bytes of one answer (node:http: fetch would decode them). */
async function rawGet(url: string, headers: Record<string, string>): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') h.set(k, v);
        resolve({ status: res.statusCode ?? 0, headers: h, body: Buffer.concat(chunks) });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

async function measure(context: BenchModuleContext): Promise<CompressedRun> {
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

    // Every case answers what it should, and the compressed bodies decode to the JSON, before any load.
    const plain = await rawGet(url, { authorization });
    const etag = plain.headers.get('etag');
    const flags = Object.keys((JSON.parse(plain.body.toString()) as { flags: object }).flags).length;
    if (plain.status !== 200 || !etag || flags !== FLAG_COUNT) throw new Error(`identity: ${plain.status}, etag ${etag}, ${flags} flags`);
    const cases: { id: CaseId; label: string; status: string; headers: Record<string, string>; bodyBytes: number }[] = [];
    for (const coding of ['br', 'gzip'] as const) {
      const res = await rawGet(url, { authorization, 'accept-encoding': coding });
      const decoded = coding === 'br' ? brotliDecompressSync(res.body) : gunzipSync(res.body);
      if (res.status !== 200 || res.headers.get('content-encoding') !== coding || !decoded.equals(plain.body))
        throw new Error(`${coding}: ${res.status}, content-encoding ${res.headers.get('content-encoding')}, body differs`);
      cases.push({
        id: coding,
        label: `200, \`Accept-Encoding: ${coding}\``,
        status: '200',
        headers: { authorization, 'accept-encoding': coding },
        bodyBytes: res.body.length,
      });
    }
    cases.push({ id: 'identity', label: '200, uncompressed', status: '200', headers: { authorization }, bodyBytes: plain.body.length });
    const notModified = await rawGet(url, { authorization, 'accept-encoding': 'br', 'if-none-match': etag });
    if (notModified.status !== 304) throw new Error(`If-None-Match answered ${notModified.status}`);
    cases.push({
      id: '304',
      label: '304, `If-None-Match` current',
      status: '304',
      headers: { authorization, 'accept-encoding': 'br', 'if-none-match': etag },
      bodyBytes: 0,
    });
    log(`server pid ${server.pid} on Postgres, ${FLAG_COUNT} flags, snapshot ${integer(plain.body.length)} bytes of JSON`);

    const results: CaseResult[] = [];
    for (const c of cases) {
      await runLoad(group, { url, connections: CONNECTIONS, durationSeconds: warmupSeconds, headers: c.headers }, '1');
      const cpuBefore = server.cpuSeconds();
      const result = await runLoad(group, { url, connections: CONNECTIONS, durationSeconds, headers: c.headers }, '1');
      const serverCpuSeconds = server.cpuSeconds() - cpuBefore;
      const unexpected = Object.entries(result.statusCounts).filter(([status]) => status !== c.status);
      if (unexpected.length > 0 || result.errors > 0)
        throw new Error(`${c.id} run: unexpected answers ${JSON.stringify(result.statusCounts)}, ${result.errors} errors`);
      log(`${c.id}: ${integer(result.requestsPerSecond.mean)} req/s, p99 ${result.latencyMs.p99} ms, ${integer(c.bodyBytes)} B a body`);
      results.push({ id: c.id, label: c.label, status: c.status, bodyBytes: c.bodyBytes, result, serverCpuSeconds });
    }
    return { cases: results, jsonBytes: plain.body.length, durationSeconds, warmupSeconds, pinned: hasTaskset() };
  } finally {
    await group.closeAll();
    await pg.stop();
  }
}

function render(run: CompressedRun, context: BenchModuleContext, machine: ReturnType<typeof machineAtStart>): BenchModuleResult {
  const byId = new Map(run.cases.map((c) => [c.id, c]));
  const rps = (id: CaseId) => byId.get(id)!.result.requestsPerSecond.mean;
  const cores = (c: CaseResult) => (c.serverCpuSeconds / c.result.durationSeconds).toFixed(2);
  const perCore = (c: CaseResult) => c.result.total / c.serverCpuSeconds;
  const targets: Target[] = (['br', 'gzip'] as const).map((id) => ({
    ...judge(rps(id), TARGET_COMPRESSED, false),
    text: `≥ ${integer(TARGET_COMPRESSED)} req/s for ${id} 200s on one core: ${integer(rps(id))} req/s (server used ${cores(byId.get(id)!)} of its core; ${integer(perCore(byId.get(id)!))} per CPU-second)`,
  }));
  const row = (c: CaseResult) => [
    c.label,
    integer(c.bodyBytes),
    integer(c.result.requestsPerSecond.mean),
    String(c.result.latencyMs.p50),
    String(c.result.latencyMs.p99),
    cores(c),
    integer(perCore(c)),
    (c.result.cpuSeconds / c.result.durationSeconds).toFixed(2),
  ];
  const header = [
    'answer',
    'body bytes',
    'req/s (mean)',
    'p50 (ms)',
    'p99 (ms)',
    'server CPU (cores)',
    'responses per server CPU-second',
    'load generator CPU (cores)',
  ];
  const pinning = run.pinned
    ? 'The server is pinned to CPU 0 and the load generator to CPU 1 with `taskset`'
    : 'taskset was not available: the server and the load generator shared both cores';
  const method =
    `\`node apps/server/dist/server.js\` on Postgres 15 (test-services, fsync off), ${FLAG_COUNT} flags created through the admin API, a server key. ` +
    `The same load generator as server-throughput (autocannon, ${CONNECTIONS} keep-alive connections, its own process): ${run.warmupSeconds} s warm-up, ${run.durationSeconds} s measured per case. ${pinning}. ` +
    'Before loading, each compressed answer is read raw and must decode to exactly the uncompressed body; during the runs every answer must have the expected status.';
  const markdown = [
    '## Compressed snapshot: `GET /api/sdk/flags` with `Accept-Encoding`',
    '',
    `The snapshot is compressed once per revision and key kind, then served from memory like the uncompressed one (issue 16). ${integer(run.jsonBytes)} bytes of JSON; body sizes per coding below.`,
    '',
    ...headerLines(context, machine, 'packages/benchmarks/src/snapshot-compressed', method),
    '',
    '### Results',
    '',
    markdownTable(header, run.cases.map(row), ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r']),
    '',
    '### Targets (issue 16)',
    '',
    ...targets.map(targetMarkdown),
  ].join('\n');
  const text = [textTable(header, run.cases.map(row)), '', 'targets:', ...targets.map(targetText)].join('\n');
  return { markdown, text };
}

export const snapshotCompressedBenchmark: BenchModule = {
  id: 'snapshot-compressed',
  title: 'Compressed snapshot (GET /api/sdk/flags, Accept-Encoding)',
  async run(context): Promise<BenchModuleResult> {
    const machine = machineAtStart(context);
    return render(await measure(context), context, machine);
  },
};
