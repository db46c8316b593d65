import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPostgres, startRedis } from '@switchboard/test-services';
import type { BenchModule, BenchModuleContext, BenchModuleResult } from '../bench-module.js';
import { ChildGroup, WorkerLink } from '../child-processes.js';
import { createFlagSpecs } from '../flag-set.js';
import { markdownTable, textTable } from '../format.js';
import { headerLines, integer, judge, machineAtStart, percentile, targetMarkdown, targetText, type Target } from '../report-lines.js';
import { ServerProcess } from '../server/server-process.js';
import { monotonicMs } from '../server/sse-connection.js';
import type { ClientMode, FromWorker, SeenMessage, ToWorker } from './protocol.js';

/**
 * The headline: an operator pulls a kill switch on one server instance and every
 * connected client, on either instance, sees it. Two server processes on one real
 * Postgres and one real Redis; 1,000 clients split evenly across both, spread over
 * four worker processes; ~20 flips of one flag, alternating off and on, through
 * `PATCH /api/admin/flags/:key/environments/:env` on instance A. Latency per client is
 * the time it saw the new state minus the time the admin API's answer arrived.
 */

const FLAG_COUNT = 100;
const ENVIRONMENT = 'production';
const KILL_SWITCH = 'checkout-kill-switch';
const WORKERS = 4;
const CLIENTS = 1000;
const TARGET_P99_MS = 50;
const FLIP_TIMEOUT_MS = 10_000;
const PAUSE_BETWEEN_FLIPS_MS = 300;
/**
 * Flips before the measured ones, reported separately. Each worker holds 250 clients, so
 * patch code runs 250 times in a row before V8 has optimized it; a service holds one client
 * and pays that once, so the measured flips start once the workers are warm.
 */
const WARMUP_FLIPS = 3;
/**
 * Kill-switch writes before any client connects. A fresh server compiles its write path
 * over its first few dozen writes on V8's background threads, taking CPU from the clients
 * (the client kind run first would look worse); a production server has long been warm.
 */
const SERVER_WARMUP_WRITES = 40;

const WORKER = join(dirname(fileURLToPath(import.meta.url)), 'client-worker.js');

interface Flip {
  flip: number;
  enabled: boolean;
  /** Admin PATCH round trip, ms. */
  adminMs: number;
  /** Per client: seen − admin answer arrived, ms (NaN: missed). */
  latencies: number[];
  /** Per client: seen − admin request sent, ms. */
  fromRequest: number[];
  /** Per client: 0 = instance A (written to), 1 = instance B. */
  servers: number[];
  /** CPU the client processes spent on this flip, summed, ms. */
  clientCpuMs: number;
}

interface ModeRun {
  mode: ClientMode;
  flips: Flip[];
  /** The warm-up flips, not in `flips`. */
  warmup: Flip[];
  perServer: number[];
  connectMs: number;
}

interface KillSwitchRun {
  modes: ModeRun[];
  fanout: { redis: number; revisionCheck: number };
  openFilesLimit: string;
  flips: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function openFilesLimit(): string {
  try {
    const match = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return match ? match[1]! : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Sends the kill switch to A, set to the opposite of `state.enabled`, and records the new state. */
async function flipOnce(a: ServerProcess, state: { enabled: boolean; version: number }): Promise<void> {
  const enabled = !state.enabled;
  const res = await a.admin.request(
    'PATCH',
    `/api/admin/flags/${KILL_SWITCH}/environments/${ENVIRONMENT}`,
    { enabled },
    { 'if-match': `"${state.version}"` },
  );
  const body = res.body as { version?: number; enabled?: boolean };
  if (res.status !== 200 || body.enabled !== enabled || typeof body.version !== 'number') {
    throw new Error(`kill switch PATCH answered ${res.status}: ${JSON.stringify(body)}`);
  }
  state.enabled = enabled;
  state.version = body.version;
}

async function runMode(
  mode: ClientMode,
  group: ChildGroup,
  a: ServerProcess,
  b: ServerProcess,
  key: string,
  state: { enabled: boolean; version: number },
  flips: number,
): Promise<ModeRun> {
  const log = (line: string) => console.log(`  ${line}`);
  const perWorker = CLIENTS / WORKERS;
  const workers: WorkerLink<ToWorker, FromWorker>[] = [];
  const started = monotonicMs();
  try {
    for (let w = 0; w < WORKERS; w++)
      workers.push(new WorkerLink<ToWorker, FromWorker>(group.node(`${mode} client worker ${w + 1}`, [WORKER])));
    workers.forEach((w, i) =>
      w.send({
        type: 'start',
        mode,
        urls: [a.url, b.url],
        key,
        flagKey: KILL_SWITCH,
        clients: perWorker,
        offset: i * perWorker,
        enabled: state.enabled,
      }),
    );
    const ready = await Promise.all(workers.map((w) => w.next<Extract<FromWorker, { type: 'ready' }>>('ready', 120_000)));
    const connectMs = monotonicMs() - started;
    const perServer = [0, 1].map((s) => ready.reduce((sum, r) => sum + r.perServer[s]!, 0));
    const gauges = [await a.metric('switchboard_sse_connections'), await b.metric('switchboard_sse_connections')];
    if (gauges[0] !== perServer[0] || gauges[1] !== perServer[1]) {
      throw new Error(`servers count ${gauges.join(' + ')} open streams, expected ${perServer.join(' + ')}`);
    }
    log(`${mode}: ${CLIENTS} clients connected in ${(connectMs / 1000).toFixed(1)} s (${perServer.join(' on A, ')} on B)`);

    const results: Flip[] = [];
    for (let flip = 0; flip < WARMUP_FLIPS + flips; flip++) {
      const enabled = !state.enabled;
      workers.forEach((w) => w.send({ type: 'arm', flip, enabled, timeoutMs: FLIP_TIMEOUT_MS }));
      await Promise.all(workers.map((w) => w.next('armed', 10_000)));
      const seen = Promise.all(workers.map((w) => w.next<SeenMessage>('seen', FLIP_TIMEOUT_MS + 10_000)));
      const sent = monotonicMs();
      await flipOnce(a, state);
      const answered = monotonicMs();
      const reports = await seen;
      const times = reports.flatMap((r) => r.times);
      const servers = reports.flatMap((r) => r.servers);
      results.push({
        flip,
        enabled,
        adminMs: answered - sent,
        latencies: times.map((t) => t - answered),
        fromRequest: times.map((t) => t - sent),
        servers,
        clientCpuMs: reports.reduce((sum, r) => sum + r.cpuMs, 0),
      });
      await sleep(PAUSE_BETWEEN_FLIPS_MS);
    }
    const warmup = results.splice(0, WARMUP_FLIPS);
    const cold = warmup.flatMap((f) => f.latencies);
    log(
      `${mode}: ${WARMUP_FLIPS} warm-up flips, p99 ${percentile(cold, 99).toFixed(1)} ms, max ${Math.max(...cold).toFixed(1)} ms (not counted)`,
    );
    const all = results.flatMap((f) => f.latencies);
    log(
      `${mode}: ${flips} flips, p50 ${percentile(all, 50).toFixed(1)} ms, p99 ${percentile(all, 99).toFixed(1)} ms, max ${Math.max(...all).toFixed(1)} ms after the admin answer`,
    );
    return { mode, flips: results, warmup, perServer, connectMs };
  } finally {
    for (const w of workers) w.send({ type: 'stop' });
    await Promise.all(workers.map((w) => Promise.race([w.run.exited, sleep(5000)])));
  }
}

async function measure(context: BenchModuleContext): Promise<KillSwitchRun> {
  const flips = context.options.quick ? 6 : 20;
  const group = new ChildGroup();
  const pg = await startPostgres();
  let redis: Awaited<ReturnType<typeof startRedis>> | undefined;
  try {
    redis = await startRedis();
    // 1,000 clients from one loopback address stand for 1,000 hosts: lift the per-address stream cap.
    const env = { SSE_MAX_CONNECTIONS_PER_IP: String(CLIENTS) };
    const a = await ServerProcess.start(group, { name: 'server A', database: { url: pg.url }, redisUrl: redis.url, env });
    const b = await ServerProcess.start(group, { name: 'server B', database: { url: pg.url }, redisUrl: redis.url, env });
    await a.admin.createFlags(createFlagSpecs(FLAG_COUNT), ENVIRONMENT);
    const versions = await a.admin.createFlags([{ kind: 'plain', key: KILL_SWITCH, on: true }], ENVIRONMENT);
    const key = await a.admin.createKey('server', ENVIRONMENT);
    // Both instances serve the same revision before any client connects.
    const revision = async (s: ServerProcess) =>
      ((await (await fetch(`${s.url}/api/sdk/flags`, { headers: { authorization: `Bearer ${key}` } })).json()) as { revision: number })
        .revision;
    for (let i = 0; ; i++) {
      const [ra, rb] = [await revision(a), await revision(b)];
      if (ra === rb) break;
      if (i > 50) throw new Error(`instances disagree on the revision: ${ra} vs ${rb}`);
      await sleep(100);
    }
    const state = { enabled: true, version: versions.get(KILL_SWITCH)! };
    for (let i = 0; i < SERVER_WARMUP_WRITES; i++) await flipOnce(a, state);
    const redisBefore = await b.metric('switchboard_fanout_applied_total', 'path="redis"');
    const checkBefore = await b.metric('switchboard_fanout_applied_total', 'path="revision-check"');
    const modes = [await runMode('raw', group, a, b, key, state, flips), await runMode('sdk', group, a, b, key, state, flips)];
    const fanout = {
      redis: (await b.metric('switchboard_fanout_applied_total', 'path="redis"')) - redisBefore,
      revisionCheck: (await b.metric('switchboard_fanout_applied_total', 'path="revision-check"')) - checkBefore,
    };
    return { modes, fanout, openFilesLimit: openFilesLimit(), flips };
  } finally {
    await group.closeAll();
    await redis?.stop();
    await pg.stop();
  }
}

interface Summary {
  samples: number;
  missed: number;
  p50: number;
  p99: number;
  max: number;
}

function summarize(values: number[]): Summary {
  const seen = values.filter((v) => !Number.isNaN(v));
  return {
    samples: seen.length,
    missed: values.length - seen.length,
    p50: percentile(seen, 50),
    p99: percentile(seen, 99),
    max: Math.max(...seen),
  };
}

/** The warm-up flips, which the tables leave out: what a cold process costs. */
function warmupNote(run: KillSwitchRun, label: (m: ClientMode) => string): string {
  const parts = run.modes.map((m) => {
    const s = summarize(m.warmup.flatMap((f) => f.latencies));
    const cpu = m.warmup.map((f) => integer((1000 * f.clientCpuMs) / f.latencies.length)).join(', ');
    return `${label(m.mode)}: p50 ${ms(s.p50)} ms, p99 ${ms(s.p99)} ms, max ${ms(s.max)} ms (${integer(s.missed)} missed), client CPU per client ${cpu} µs`;
  });
  return (
    `Before the measured flips each client kind gets ${WARMUP_FLIPS} warm-up flips, left out of the tables above: with ${CLIENTS / WORKERS} clients per worker process, code that only a patch runs executes ${CLIENTS / WORKERS} times in a row before V8 has optimized it. ` +
    `A service normally runs one client per process and pays that once. What they measured — ${parts.join('; ')}.`
  );
}

const ms = (v: number) => (Math.abs(v) < 10 ? v.toFixed(2) : v.toFixed(1));

function render(run: KillSwitchRun, context: BenchModuleContext, machine: ReturnType<typeof machineAtStart>): BenchModuleResult {
  const label = (m: ClientMode) => (m === 'raw' ? 'raw SSE readers' : '`@switchboard/node` clients');
  const rows: string[][] = [];
  const flipRows: string[][] = [];
  const targets: Target[] = [];
  for (const m of run.modes) {
    const pick = (f: Flip, server?: number) => f.latencies.filter((_, i) => server === undefined || f.servers[i] === server);
    const groups: [string, (f: Flip) => number[]][] = [
      ['all clients', (f) => pick(f)],
      ['on A (written to)', (f) => pick(f, 0)],
      ['on B (via Redis)', (f) => pick(f, 1)],
      ['all, from the request sent', (f) => f.fromRequest],
    ];
    for (const [name, get] of groups) {
      const s = summarize(m.flips.flatMap(get));
      rows.push([label(m.mode), name, integer(s.samples), integer(s.missed), ms(s.p50), ms(s.p99), ms(s.max)]);
    }
    const perFlipP99 = m.flips.map((f) => summarize(f.latencies).p99);
    const admin = m.flips.map((f) => f.adminMs);
    const cpuPerClient = m.flips.map((f) => (1000 * f.clientCpuMs) / f.latencies.length);
    flipRows.push([
      label(m.mode),
      integer(m.flips.length),
      ms(percentile(perFlipP99, 50)),
      ms(Math.max(...perFlipP99)),
      `${integer(percentile(cpuPerClient, 50))} (${integer(Math.min(...cpuPerClient))}–${integer(Math.max(...cpuPerClient))})`,
      ms(percentile(admin, 50)),
      ms(Math.max(...admin)),
      `${(m.connectMs / 1000).toFixed(1)} s`,
    ]);
  }
  // The SDK's figure is the target; the raw readers' isolates the server's share of it.
  for (const mode of ['sdk', 'raw'] as const) {
    const m = run.modes.find((x) => x.mode === mode);
    if (!m) continue;
    const all = summarize(m.flips.flatMap((f) => f.latencies));
    targets.push(
      mode === 'sdk'
        ? {
            ...judge(all.p99, TARGET_P99_MS, true),
            text: `kill switch p99 < ${TARGET_P99_MS} ms from the admin API's response to every connected SDK seeing the change, ${integer(CLIENTS)} SDK connections across two instances: p99 ${ms(all.p99)} ms, max ${ms(all.max)} ms over ${m.flips.length} flips (${integer(all.missed)} of ${integer(all.samples + all.missed)} observations missed)`,
          }
        : {
            ...judge(all.p99, TARGET_P99_MS, true),
            text: `the same for the server's fan-out alone (raw SSE readers instead of SDK clients): p99 ${ms(all.p99)} ms, max ${ms(all.max)} ms (${integer(all.missed)} missed)`,
          },
    );
  }
  const header = ['clients', 'which', 'observations', 'missed', 'p50 (ms)', 'p99 (ms)', 'max (ms)'];
  const flipHeader = [
    'clients',
    'flips',
    'median of per-flip p99 (ms)',
    'worst per-flip p99 (ms)',
    'client CPU per client per flip, median (min–max) (µs)',
    'admin PATCH p50 (ms)',
    'admin PATCH max (ms)',
    'time to connect all',
  ];
  const method =
    `two server processes (\`node apps/server/dist/server.js\`, A and B) on one Postgres 15 (test-services, durable: fsync on) and one \`redis-server\`, ${FLAG_COUNT} flags plus the kill-switch flag, one server key. ` +
    `${integer(CLIENTS)} clients in ${WORKERS} worker processes (${CLIENTS / WORKERS} each, alternating between A and B, so ${run.modes[0]?.perServer.join(' on A and ')} on B), run twice: as raw SSE readers (one socket each, measuring the server's fan-out) and as \`@switchboard/node\` clients (\`createClient\` with events off; measuring kill switch → \`change\` event → \`isEnabled\` answers the new state). ` +
    `Before any client connects, A takes ${SERVER_WARMUP_WRITES} kill-switch writes, so both servers' write and fan-out paths are compiled as in a server that has been running. ` +
    `Before flipping, every client has its snapshot and both servers' \`switchboard_sse_connections\` gauges match; ${WARMUP_FLIPS} warm-up flips (reported below the tables) precede the measured ones. Each flip arms the workers, then sends \`PATCH /api/admin/flags/${KILL_SWITCH}/environments/${ENVIRONMENT} {"enabled": …}\` with \`If-Match\` to A; the flips alternate off and on, ${PAUSE_BETWEEN_FLIPS_MS} ms apart once every client has seen the previous one. ` +
    `All timestamps are CLOCK_MONOTONIC (\`process.hrtime\`), one clock for every process on the machine. Latency = the client saw it − the admin answer arrived; it can be negative for clients on A, which may see the change before the answer arrives (A pushes to its streams before answering). A client that hasn't seen a flip within ${FLIP_TIMEOUT_MS / 1000} s counts as missed. ` +
    `Everything (servers, Postgres, Redis, ${WORKERS} client processes, the benchmark) shares the machine's ${machine.cores} cores; no pinning. Open-file limit: ${run.openFilesLimit}.`;
  const markdown = [
    '## Kill switch propagation',
    '',
    `From an operator's \`PATCH {"enabled": false}\` on one server instance to every connected client on two instances seeing it: ${integer(CLIENTS)} clients, ${run.flips} flips per client kind.`,
    '',
    ...headerLines(context, machine, 'packages/benchmarks/src/kill-switch', method),
    '',
    '### Results (all flips pooled; ms after the admin API answered)',
    '',
    markdownTable(header, rows, ['l', 'l', 'r', 'r', 'r', 'r', 'r']),
    '',
    markdownTable(flipHeader, flipRows, ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r']),
    '',
    `Instance B applied ${integer(run.fanout.redis)} of the flips from Redis pub/sub and ${integer(run.fanout.revisionCheck)} through its once-a-second revision check (its \`switchboard_fanout_applied_total\`).`,
    '',
    warmupNote(run, label),
    '',
    `Each worker process holds ${CLIENTS / WORKERS} clients and handles every change once per client, one after another, and all ${integer(CLIENTS)} clients share the machine's ${machine.cores} cores with both servers, Postgres and Redis. A client's latency therefore includes waiting for the clients ahead of it in its process; "client CPU per client per flip" is the work one client does per change. A service process normally holds one client, so this is harsher on the SDK than a fleet of ${integer(CLIENTS)} services would be.`,
    '',
    '### Targets (PRODUCT.md, issues 3 and 4)',
    '',
    ...targets.map(targetMarkdown),
  ].join('\n');
  const text = [textTable(header, rows), '', textTable(flipHeader, flipRows), '', 'targets:', ...targets.map(targetText)].join('\n');
  return { markdown, text };
}

export const killSwitchBenchmark: BenchModule = {
  id: 'kill-switch',
  title: 'Kill switch propagation',
  async run(context): Promise<BenchModuleResult> {
    const machine = machineAtStart(context);
    return render(await measure(context), context, machine);
  },
};
