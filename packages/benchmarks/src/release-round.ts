import { buildApp, defaultConfig, type App } from '@switchboard/server';
import { startPostgres } from '@switchboard/test-services';
import type { BenchModule, BenchModuleContext, BenchModuleResult } from './bench-module.js';
import { markdownTable, textTable } from './format.js';
import { headerLines, judge, machineAtStart, percentile, targetMarkdown, targetText, type Target } from './report-lines.js';

/**
 * A whole release-plan check round as the server runs it, on real Postgres: 1,000 running
 * plans with two guards each and their arms in the database (units and events rows), the
 * round reading every plan's config version and arms and deciding on each.
 */

const PLANS = 1000;
const CHECK_INTERVAL_MS = 10_000;
/** Target: a round of 1,000 plans in at most 10% of the check interval, p99. */
const TARGET_P99_MS = CHECK_INTERVAL_MS / 10;
const TOKEN = 'release-round-benchmark-token-0123456789';
/** Units per plan in the arms (5% stage: about 5% of them in the treatment). */
const UNITS_PER_PLAN = 400;

interface RoundRun {
  roundsMs: number[];
  rows: number;
  setupMs: number;
}

async function inject(app: App, method: 'POST' | 'PATCH' | 'PUT', url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await app.inject({
    method,
    url,
    payload: body as Record<string, unknown>,
    headers: { authorization: `Bearer ${TOKEN}`, ...headers },
  });
  if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
  return res.json() as Record<string, unknown>;
}

const hex = (n: number): string => (n >>> 0).toString(16).padStart(8, '0');

async function measure(context: BenchModuleContext): Promise<RoundRun> {
  const pg = await startPostgres({ fast: true });
  let app: App | undefined;
  try {
    const databaseUrl = await pg.createDatabase('release_round');
    // The plugin's own rounds would overlap the timed ones: its timer is pushed out of the way.
    app = await buildApp(
      defaultConfig({
        adminToken: TOKEN,
        databaseUrl,
        logLevel: 'silent',
        adminUiDir: undefined,
        releaseCheckIntervalMs: 3_600_000,
        adminRateLimitPerMinute: 0,
      }),
    );
    await app.ready();
    const setupStarted = performance.now();
    const guards = [
      { event: '$error', metric: 'rate', worseWhen: 'higher', action: 'rollback' },
      { event: 'checkout_ms', metric: 'mean', worseWhen: 'higher', tolerance: 0.1, action: 'pause' },
    ];
    let unit = 1;
    for (let i = 0; i < PLANS; i++) {
      const key = `plan-${i}`;
      const created = await inject(app, 'POST', '/api/admin/flags', { key, type: 'boolean' });
      const version = (created.environments as Record<string, { version: number }>).production!.version;
      await inject(app, 'PATCH', `/api/admin/flags/${key}/environments/production`, { enabled: true }, { 'if-match': `"${version}"` });
      await inject(app, 'PUT', `/api/admin/flags/${key}/environments/production/release-plan`, {
        variant: 'on',
        stages: [{ percent: 5, minDurationSec: 86_400 }, { percent: 100 }],
        guards,
      });
    }
    await app.releases.runRound(); // the arms' index learns the running plans
    const now = Date.now();
    for (let i = 0; i < PLANS; i++) {
      const flag = `plan-${i}`;
      const treatment: string[] = [];
      const control: string[] = [];
      for (let u = 0; u < UNITS_PER_PLAN; u++) (u % 20 === 0 ? treatment : control).push(hex(Math.imul(unit++, 2654435761)));
      const events = [...treatment, ...control]
        .filter((_, j) => j % 10 === 0)
        .map((u) => ({
          name: j2(u) ? '$error' : 'checkout_ms',
          timestamp: now + 1,
          value: 200,
          variants: { [flag]: treatment.includes(u) ? 'on' : 'off' },
          units: { [flag]: u },
        }));
      await app.releases.arms.ingest(
        'production',
        [
          { flag, variant: 'on', units: treatment, windowStart: now + 1, windowEnd: now + 2 },
          { flag, variant: 'off', units: control, windowStart: now + 1, windowEnd: now + 2 },
        ],
        events,
      );
    }
    const setupMs = performance.now() - setupStarted;
    const warmup = context.options.quick ? 2 : 5;
    const rounds = context.options.quick ? 5 : 30;
    for (let i = 0; i < warmup; i++) await app.releases.runRound();
    const roundsMs: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const started = performance.now();
      const acted = await app.releases.runRound();
      roundsMs.push(performance.now() - started);
      if (acted > 0) throw new Error(`a round acted on ${acted} plans: the benchmark's arms should leave every plan running`);
    }
    return { roundsMs, rows: PLANS * UNITS_PER_PLAN, setupMs };
  } finally {
    await app?.close();
    await pg.stop();
  }
}

/** Half the sampled units report an error, the other half a latency. */
function j2(u: string): boolean {
  return parseInt(u.slice(-1), 16) % 2 === 0;
}

function render(run: RoundRun, context: BenchModuleContext, machine: ReturnType<typeof machineAtStart>): BenchModuleResult {
  const median = percentile(run.roundsMs, 50);
  const p99 = percentile(run.roundsMs, 99);
  const max = Math.max(...run.roundsMs);
  const header = ['running plans', 'guards', 'unit rows', 'median (ms per round)', 'p99 (ms)', 'max (ms)'];
  const rows = [
    [
      PLANS.toLocaleString('en-US'),
      (PLANS * 2).toLocaleString('en-US'),
      run.rows.toLocaleString('en-US'),
      median.toFixed(1),
      p99.toFixed(1),
      max.toFixed(1),
    ],
  ];
  const target: Target = {
    ...judge(p99, TARGET_P99_MS, true),
    text: `a full check round of ${PLANS.toLocaleString('en-US')} running plans within 10% of the ${CHECK_INTERVAL_MS / 1000} s check interval (${TARGET_P99_MS} ms), p99: ${p99.toFixed(1)} ms`,
  };
  const method =
    `One server (\`buildApp\` in this process) on a real Postgres 15 started for the run (\`@switchboard/test-services\`, fsync off). ` +
    `${PLANS.toLocaleString('en-US')} flags, each with a running plan at a 5% stage and two guards (an \`$error\` rate, a \`checkout_ms\` mean), ` +
    `${UNITS_PER_PLAN} distinct units per plan in its arms and an event from every tenth, written through the same ingest the SDK events route uses (setup ${(run.setupMs / 1000).toFixed(0)} s). ` +
    `Each round is \`app.releases.runRound()\` timed whole: the plans, their config versions and their arms read (three queries), every guard decided; no plan is due to act, so no writes. ` +
    `${context.options.quick ? 2 : 5} warm-up rounds, then ${run.roundsMs.length} timed.`;
  const markdown = [
    '## Release check round (release plans, with the database)',
    '',
    "What one round of the release-plan runner costs end to end: reading every running plan's state and arms from Postgres and deciding on each.",
    '',
    ...headerLines(
      context,
      machine,
      'packages/benchmarks/src/release-round.ts',
      method,
      'Postgres runs on the same 2 cores as the server.',
    ),
    '',
    '### Results',
    '',
    markdownTable(header, rows, ['r', 'r', 'r', 'r', 'r', 'r']),
    '',
    '### Targets (issue 13)',
    '',
    targetMarkdown(target),
  ].join('\n');
  const text = [textTable(header, rows), '', 'targets:', targetText(target)].join('\n');
  return { markdown, text };
}

export const releaseRoundBenchmark: BenchModule = {
  id: 'release-round',
  title: 'Release check round (release plans, with the database)',
  async run(context): Promise<BenchModuleResult> {
    const machine = machineAtStart(context);
    return render(await measure(context), context, machine);
  },
};
