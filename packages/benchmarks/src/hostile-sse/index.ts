import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPostgres, startRedis } from '@switchboard/test-services';
import type { BenchModule, BenchModuleContext, BenchModuleResult } from '../bench-module.js';
import { ChildGroup, WorkerLink } from '../child-processes.js';
import { markdownTable, textTable } from '../format.js';
import { headerLines, integer, judge, kib, machineAtStart, percentile, targetMarkdown, targetText, type Target } from '../report-lines.js';
import { ServerProcess } from '../server/server-process.js';
import { monotonicMs } from '../server/sse-connection.js';
import type { FromHogWorker, FromSdkWorker, HogOpenedMessage, SeenMessage, ToHogWorker, ToSdkWorker } from './protocol.js';

/**
 * Issue 11's attack on one instance: a ~3 MB client projection (client-side flags with
 * large JSON variants, within the admin limits), 2,000 streams on its client key that
 * read their response head and nothing more, and 200 `@switchboard/node` clients (on a
 * server key of the same environment) on the same instance. The attacker renews its 2,000 stalled streams before every
 * flip (a fresh set, then the old one closed), so every kill switch meets 2,000 fresh
 * ones. Reported: the server's peak resident memory, the SDK
 * clients' kill-switch latency, and that the server process never exited.
 */

const ENVIRONMENT = 'production';
const KILL_SWITCH = 'checkout-kill-switch';
const BIG_FLAGS = 8;
const VARIANTS_PER_FLAG = 12;
const VARIANT_BYTES = 32_000;
const HOGS = 2000;
/** Attempts beyond the per-address caps, which must be refused. */
const HOG_OVERFLOW = 100;
/** The server's default per-address cap is 100: 20 addresses hold 2,000 stalled streams. */
const HOG_ADDRESSES_PER_SET = 20;
const SDK_CLIENTS = 200;
const SDK_WORKERS = 2;
const WARMUP_FLIPS = 2;
const SERVER_WARMUP_WRITES = 20;
const FLIP_TIMEOUT_MS = 10_000;
const PAUSE_BETWEEN_FLIPS_MS = 300;
const RSS_SAMPLE_MS = 50;
const TARGET_RSS_BYTES = 600 * 1024 * 1024;
const TARGET_P99_MS = 100;

const HOG_WORKER = join(dirname(fileURLToPath(import.meta.url)), 'hog-worker.js');
const SDK_WORKER = join(dirname(fileURLToPath(import.meta.url)), 'sdk-worker.js');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Two sets of loopback source addresses, used in turn, so a new set of hogs never waits on the old set's caps. */
function hogAddresses(set: number): string[] {
  return Array.from({ length: HOG_ADDRESSES_PER_SET }, (_, i) => `127.0.0.${2 + (set % 2) * HOG_ADDRESSES_PER_SET + i}`);
}

/** Starts the kernel's resident-set high-water mark (VmHWM) afresh; false where Linux doesn't allow it. */
function resetPeakResident(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** The kernel's high-water mark of a process's resident set (VmHWM), bytes. */
function peakResidentBytes(pid: number): number {
  const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmHWM for pid ${pid}`);
  return Number(match[1]) * 1024;
}

interface Flip {
  /** Per SDK client: seen − admin answer arrived, ms (NaN: missed). */
  latencies: number[];
  /** Stalled streams open on the server when the flip was sent (its gauge minus the SDK clients). */
  hogsOpen: number;
}

interface HostileRun {
  projectionBytes: number;
  baselineRss: number;
  afterHogsRss: number;
  afterHogsMemory: { heapUsed: number; external: number };
  peakRss: number;
  /** False when VmHWM could not be reset after setup, so the peak includes it. */
  peakReset: boolean;
  peakSampledRss: number;
  endRss: number;
  hogSets: HogOpenedMessage[];
  sdkConnectMs: number;
  flips: Flip[];
  warmup: Flip[];
  dropped: Record<string, number>;
  rejected: Record<string, number>;
  serverExited: string | null;
  live: number;
  durationMs: number;
}

async function labelled(server: ServerProcess, name: string, labels: string[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const label of labels) out[label] = await server.metric(name, `reason="${label}"`);
  return out;
}

async function measure(context: BenchModuleContext): Promise<HostileRun> {
  const flips = context.options.quick ? 4 : 10;
  const log = (line: string) => console.log(`  ${line}`);
  const started = monotonicMs();
  const group = new ChildGroup();
  const pg = await startPostgres({ fast: true });
  let redis: Awaited<ReturnType<typeof startRedis>> | undefined;
  let sampler: NodeJS.Timeout | undefined;
  try {
    redis = await startRedis();
    // Trust X-Forwarded-For from 127.0.0.1 only (the SDK clients' stand-in proxy); hogs
    // connect from 127.0.0.2 and up.
    const server = await ServerProcess.start(group, {
      name: 'server',
      database: { url: pg.url },
      redisUrl: redis.url,
      env: { TRUST_PROXY: '127.0.0.1' },
    });

    for (let i = 0; i < BIG_FLAGS; i++) {
      const variants: Record<string, unknown> = { off: {} };
      for (let v = 1; v <= VARIANTS_PER_FLAG; v++) variants[`v${v}`] = { blob: String(v % 10).repeat(VARIANT_BYTES) };
      await server.admin.ok('POST', '/api/admin/flags', { key: `big-catalog-${i}`, type: 'json', clientSide: true, variants });
    }
    const created = await server.admin.ok('POST', '/api/admin/flags', {
      key: KILL_SWITCH,
      type: 'boolean',
      clientSide: true,
      variants: { on: true, off: false },
    });
    const createdVersion = (created.environments as Record<string, { version: number }>)[ENVIRONMENT]!.version;
    const config = await server.admin.ok(
      'PUT',
      `/api/admin/flags/${KILL_SWITCH}/environments/${ENVIRONMENT}`,
      { enabled: true, offVariant: 'off', fallthrough: { variant: 'on' } },
      { 'if-match': `"${createdVersion}"` },
    );
    const state = { enabled: true, version: config.version as number };
    const key = await server.admin.createKey('client', ENVIRONMENT);
    // The Node SDK takes a server key (it refuses a client key); every flag here is client-side, so both keys see the same flags.
    const sdkKey = await server.admin.createKey('server', ENVIRONMENT);
    const projection = await (await fetch(`${server.url}/api/sdk/flags`, { headers: { authorization: `Bearer ${key}` } })).text();
    log(`client projection: ${integer(Buffer.byteLength(projection))} bytes`);

    const flipOnce = async (): Promise<void> => {
      const enabled = !state.enabled;
      const res = await server.admin.request(
        'PATCH',
        `/api/admin/flags/${KILL_SWITCH}/environments/${ENVIRONMENT}`,
        { enabled },
        { 'if-match': `"${state.version}"` },
      );
      const body = res.body as { version?: number; enabled?: boolean };
      if (res.status !== 200 || body.enabled !== enabled || typeof body.version !== 'number')
        throw new Error(`kill switch PATCH answered ${res.status}: ${JSON.stringify(body)}`);
      state.enabled = enabled;
      state.version = body.version;
    };
    // A running server has compiled its write path long ago.
    for (let i = 0; i < SERVER_WARMUP_WRITES; i++) await flipOnce();

    await server.memory();
    const baselineRss = server.rss();
    // From here on: setting up ~3 MB of flags is not what is measured.
    const peakReset = resetPeakResident(server.pid);
    let peakSampledRss = baselineRss;
    sampler = setInterval(() => {
      try {
        peakSampledRss = Math.max(peakSampledRss, server.rss());
      } catch {
        // the process is gone; reported below
      }
    }, RSS_SAMPLE_MS);
    log(`baseline: RSS ${kib(baselineRss)} KiB`);

    const hogs = new WorkerLink<ToHogWorker, FromHogWorker>(group.node('hog worker', [HOG_WORKER]));
    const sdk: WorkerLink<ToSdkWorker, FromSdkWorker>[] = [];
    const hogSets: HogOpenedMessage[] = [];
    const results: Flip[] = [];
    let afterHogsMemory = { heapUsed: NaN, external: NaN };
    let afterHogsRss = NaN;
    let sdkConnectMs = NaN;
    let set = 0;
    const openHogs = async (): Promise<void> => {
      hogs.send({ type: 'open', url: server.url, key, count: HOGS + HOG_OVERFLOW, addresses: hogAddresses(set++) });
      const opened = await hogs.next<HogOpenedMessage>('opened', 120_000);
      hogs.send({ type: 'retire' });
      // The server sees the old set's sockets close within moments; flips meet one set.
      for (let i = 0; i < 100 && (await server.metric('switchboard_sse_connections')) > HOGS + SDK_CLIENTS; i++) await sleep(50);
      hogSets.push(opened);
      log(`hog set ${set}: ${JSON.stringify(opened.statuses)} in ${(opened.ms / 1000).toFixed(1)} s`);
    };
    try {
      await openHogs();
      afterHogsMemory = await server.memory();
      afterHogsRss = server.rss();
      log(
        `with ${integer(HOGS)} stalled streams: RSS ${kib(afterHogsRss)} KiB, heap ${kib(afterHogsMemory.heapUsed)} KiB, external ${kib(afterHogsMemory.external)} KiB`,
      );

      const sdkStarted = monotonicMs();
      for (let w = 0; w < SDK_WORKERS; w++)
        sdk.push(new WorkerLink<ToSdkWorker, FromSdkWorker>(group.node(`sdk worker ${w + 1}`, [SDK_WORKER])));
      const perWorker = SDK_CLIENTS / SDK_WORKERS;
      sdk.forEach((w, i) =>
        w.send({
          type: 'start',
          url: server.url,
          key: sdkKey,
          flagKey: KILL_SWITCH,
          count: perWorker,
          offset: i * perWorker,
          enabled: state.enabled,
        }),
      );
      await Promise.all(sdk.map((w) => w.next('ready', 120_000)));
      sdkConnectMs = monotonicMs() - sdkStarted;
      log(`${SDK_CLIENTS} SDK clients ready in ${(sdkConnectMs / 1000).toFixed(1)} s`);

      for (let flip = 0; flip < WARMUP_FLIPS + flips; flip++) {
        if (flip > 0) await openHogs();
        const hogsOpen = (await server.metric('switchboard_sse_connections')) - SDK_CLIENTS;
        const enabled = !state.enabled;
        sdk.forEach((w) => w.send({ type: 'arm', flip, enabled, timeoutMs: FLIP_TIMEOUT_MS }));
        await Promise.all(sdk.map((w) => w.next('armed', 10_000)));
        const seen = Promise.all(sdk.map((w) => w.next<SeenMessage>('seen', FLIP_TIMEOUT_MS + 10_000)));
        await flipOnce();
        const answered = monotonicMs();
        const times = (await seen).flatMap((r) => r.times);
        const latencies = times.map((t) => t - answered);
        results.push({ latencies, hogsOpen });
        const seenAll = latencies.filter((l) => !Number.isNaN(l));
        log(
          `flip ${flip + 1}${flip < WARMUP_FLIPS ? ' (warm-up)' : ''}: ${integer(hogsOpen)} stalled streams open, ${seenAll.length}/${latencies.length} clients saw it, p99 ${percentile(seenAll, 99).toFixed(1)} ms`,
        );
        await sleep(PAUSE_BETWEEN_FLIPS_MS);
      }
    } catch (error) {
      // A server that died under the attack is the finding, not a failure of the benchmark.
      await Promise.race([server.run.exited, sleep(1000)]);
      if (server.run.running) throw error;
      log(`the server exited: ${server.run.output().trim().split('\n').slice(-3).join(' | ')}`);
    }
    clearInterval(sampler);
    sampler = undefined;
    const serverExited = server.run.running ? null : `exit ${server.run.process.exitCode ?? server.run.process.signalCode}`;
    const live = serverExited ? 0 : (await fetch(`${server.url}/health/live`)).status;
    const dropped = serverExited ? {} : await labelled(server, 'switchboard_sse_dropped_total', ['slow', 'drain-timeout']);
    const rejected = serverExited ? {} : await labelled(server, 'switchboard_sse_rejected_total', ['ip', 'key', 'instance']);
    const endRss = serverExited ? NaN : server.rss();
    const peakRss = serverExited ? peakSampledRss : peakResidentBytes(server.pid);
    for (const w of sdk) w.send({ type: 'stop' });
    hogs.send({ type: 'stop' });
    await Promise.all([...sdk.map((w) => w.run), hogs.run].map((r) => Promise.race([r.exited, sleep(5000)])));
    return {
      projectionBytes: Buffer.byteLength(projection),
      baselineRss,
      afterHogsRss,
      afterHogsMemory,
      peakRss,
      peakReset,
      peakSampledRss,
      endRss,
      hogSets,
      sdkConnectMs,
      warmup: results.splice(0, WARMUP_FLIPS),
      flips: results,
      dropped,
      rejected,
      serverExited,
      live,
      durationMs: monotonicMs() - started,
    };
  } finally {
    if (sampler) clearInterval(sampler);
    await group.closeAll();
    await redis?.stop();
    await pg.stop();
  }
}

const ms = (v: number) => (Math.abs(v) < 10 ? v.toFixed(2) : v.toFixed(1));
const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

function render(run: HostileRun, context: BenchModuleContext, machine: ReturnType<typeof machineAtStart>): BenchModuleResult {
  const all = run.flips.flatMap((f) => f.latencies);
  const seen = all.filter((v) => !Number.isNaN(v));
  const missed = all.length - seen.length;
  const p50 = percentile(seen, 50);
  const p99 = percentile(seen, 99);
  const max = seen.length > 0 ? Math.max(...seen) : NaN;
  const hogsAtFlips = run.flips.length > 0 ? run.flips.map((f) => f.hogsOpen) : [NaN];
  const statuses = run.hogSets.reduce<Record<string, number>>((sum, s) => {
    for (const [status, n] of Object.entries(s.statuses)) sum[status] = (sum[status] ?? 0) + n;
    return sum;
  }, {});
  const targets: Target[] = [
    {
      ...judge(run.peakRss, TARGET_RSS_BYTES, true),
      text: `server peak RSS < 600 MB with ${integer(HOGS)} stalled streams on a ${mib(run.projectionBytes)} MiB projection and ${SDK_CLIENTS} SDK clients: ${mib(run.peakRss)} MiB (VmHWM; baseline ${mib(run.baselineRss)} MiB)`,
    },
    {
      met: run.flips.length > 0 && p99 <= TARGET_P99_MS && missed === 0,
      close: Math.abs(p99 - TARGET_P99_MS) / TARGET_P99_MS < 0.1,
      text: `the SDK clients see the kill switch, p99 < ${TARGET_P99_MS} ms: p99 ${ms(p99)} ms, max ${ms(max)} ms over ${run.flips.length} flips (${integer(missed)} of ${integer(all.length)} observations missed)`,
    },
    {
      met: run.serverExited === null && run.live === 200,
      text: `the server never restarted or crashed: ${run.serverExited === null ? `one process throughout, \`/health/live\` ${run.live} at the end` : `it exited (${run.serverExited})`}`,
    },
  ];
  const header = ['point', 'server RSS (MiB)'];
  const rows = [
    ['baseline (flags loaded, no streams)', mib(run.baselineRss)],
    [
      `${integer(HOGS)} stalled streams open (heap ${mib(run.afterHogsMemory.heapUsed)} MiB, external ${mib(run.afterHogsMemory.external)} MiB after GC)`,
      mib(run.afterHogsRss),
    ],
    [
      run.serverExited
        ? 'peak sampled until the server exited'
        : run.peakReset
          ? 'peak from the baseline on (VmHWM)'
          : 'peak since the server started, setup included (VmHWM)',
      mib(run.peakRss),
    ],
    [`peak sampled every ${RSS_SAMPLE_MS} ms`, mib(run.peakSampledRss)],
    ['end', mib(run.endRss)],
  ];
  const flipHeader = [
    'SDK clients',
    'flips',
    'observations',
    'missed',
    'p50 (ms)',
    'p99 (ms)',
    'max (ms)',
    'stalled streams open at each flip',
  ];
  const flipRows = [
    [
      integer(SDK_CLIENTS),
      integer(run.flips.length),
      integer(seen.length),
      integer(missed),
      ms(p50),
      ms(p99),
      ms(max),
      `${integer(Math.min(...hogsAtFlips))}–${integer(Math.max(...hogsAtFlips))}`,
    ],
  ];
  const warm = run.warmup.flatMap((f) => f.latencies).filter((v) => !Number.isNaN(v));
  const warmMax = warm.length > 0 ? Math.max(...warm) : NaN;
  const method =
    `one server process (\`node apps/server/dist/server.js\`, default limits: 1 MiB SSE buffer cap, 30 s drain deadline, 100 streams per key and address, 10,000 per key, 20,000 per instance; \`TRUST_PROXY=127.0.0.1\`) on Postgres 15 and \`redis-server\` from test-services. ` +
    `${BIG_FLAGS} client-side JSON flags of ${VARIANTS_PER_FLAG} variants of ${integer(VARIANT_BYTES)} characters each (every value within the 32 KiB limit, every request within 1 MiB) plus a client-side kill-switch flag: a ${integer(run.projectionBytes)}-byte client projection; one client key for the attacker and one server key for the SDK clients (the Node SDK refuses client keys; every flag is client-side, so both keys see the same flags). ` +
    `The attacker, a separate process, opens ${integer(HOGS + HOG_OVERFLOW)} streams from ${HOG_ADDRESSES_PER_SET} loopback source addresses (127.0.0.x, bound with \`localAddress\`; the server sees each as its own address), reads each response's first chunk for its status and then never reads again; ${integer(HOG_OVERFLOW)} of the attempts are beyond the per-address caps. ` +
    `Before every flip it opens a fresh set from the other ${HOG_ADDRESSES_PER_SET} addresses and then closes the previous set, so every flip meets ${integer(HOGS)} fresh stalled streams (those whose \`put\` didn't fit in the kernel's socket buffers still hold it unsent). ` +
    `${SDK_CLIENTS} \`@switchboard/node\` clients (events off) in ${SDK_WORKERS} worker processes connect after the first set, each through a \`fetch\` that adds its own \`X-Forwarded-For\` (198.18.x.y) as a proxy in front of browsers would. ` +
    `After ${SERVER_WARMUP_WRITES} writes to warm the server's write path and ${WARMUP_FLIPS} warm-up flips, ${run.flips.length} flips of the kill switch (\`PATCH …/environments/${ENVIRONMENT} {"enabled": …}\` with \`If-Match\`), ${PAUSE_BETWEEN_FLIPS_MS} ms apart once every client saw the previous one. Latency = the client's \`change\` event with \`isEnabled\` answering the new state − the admin answer arrived (CLOCK_MONOTONIC). ` +
    `Server RSS: VmHWM from \`/proc/<pid>/status\` at the end (the kernel's own high-water mark, reset through \`/proc/<pid>/clear_refs\` at the baseline), also sampled every ${RSS_SAMPLE_MS} ms. Kernel socket buffers are not process memory and not counted (Linux here buffers up to ~4 MB per unread loopback socket, within \`tcp_mem\`). Whole run: ${(run.durationMs / 1000).toFixed(0)} s.`;
  const markdown = [
    '## Hostile SSE readers',
    '',
    `One instance under issue 11's attack: ${integer(HOGS)} streams on one client key that never read, on a ${mib(run.projectionBytes)} MiB client projection, while ${SDK_CLIENTS} SDK clients on the same instance follow a kill switch.`,
    '',
    ...headerLines(context, machine, 'packages/benchmarks/src/hostile-sse', method),
    '',
    '### Results',
    '',
    markdownTable(header, rows, ['l', 'r']),
    '',
    markdownTable(flipHeader, flipRows, ['r', 'r', 'r', 'r', 'r', 'r', 'r', 'r']),
    '',
    `The attacker's ${integer(run.hogSets.length)} sets of attempts were answered ${Object.entries(statuses)
      .map(([s, n]) => `${s}: ${integer(n)}`)
      .join(', ')}; the server counted ${Object.entries(run.rejected)
      .map(([r, n]) => `${integer(n)} refused by the ${r} cap`)
      .join(
        ', ',
      )} (\`switchboard_sse_rejected_total\`) and closed ${integer(run.dropped.slow ?? 0)} stalled streams as slow at a write and ${integer(run.dropped['drain-timeout'] ?? 0)} at the drain deadline (\`switchboard_sse_dropped_total\`); the rest were closed by the attacker itself. ` +
      `The SDK clients connected in ${(run.sdkConnectMs / 1000).toFixed(1)} s with the first set open. The ${WARMUP_FLIPS} warm-up flips, not in the table: p99 ${ms(percentile(warm, 99))} ms, max ${ms(warmMax)} ms.`,
    '',
    '### Targets (issue 11)',
    '',
    ...targets.map(targetMarkdown),
  ].join('\n');
  const text = [textTable(header, rows), '', textTable(flipHeader, flipRows), '', 'targets:', ...targets.map(targetText)].join('\n');
  return { markdown, text };
}

export const hostileSseBenchmark: BenchModule = {
  id: 'hostile-sse',
  title: 'Hostile SSE readers',
  async run(context): Promise<BenchModuleResult> {
    const machine = machineAtStart(context);
    return render(await measure(context), context, machine);
  },
};
