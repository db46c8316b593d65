import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BenchModule, BenchModuleContext, BenchModuleResult } from './bench-module.js';
import { markdownTable, textTable } from './format.js';
import { headerLines, judge, machineAtStart, percentile, targetMarkdown, targetText, type Target } from './report-lines.js';

/**
 * What a release-plan check round costs the server: every running plan's guards evaluated
 * once by the pure decision code (`evaluateGuard` in apps/server/src/modules/releases),
 * on arm statistics that grow between rounds as they would between checks.
 */

const PLANS = 1000;
/** The check interval's default (RELEASE_CHECK_INTERVAL_MS, issue 13): a round must be a small part of it. */
const CHECK_INTERVAL_MS = 10_000;
/** Target: a round of 1,000 plans in at most 1% of the check interval, p99. */
const TARGET_P99_MS = CHECK_INTERVAL_MS / 100;

interface ArmStatistics {
  units: number;
  unitsWithEvent: number;
  sum?: number;
  sumOfSquares?: number;
}

interface GuardShape {
  event: string;
  metric: 'rate' | 'mean';
  worseWhen: 'higher' | 'lower';
  tolerance?: number;
  minUnits?: number;
  action: 'rollback' | 'kill' | 'pause' | 'notify';
}

type Verdict = 'wait' | 'ok' | 'regression' | 'srm';

/** The slice of decision.ts this benchmark calls (the server package exports only its app). */
interface DecisionModule {
  evaluateGuard(
    guard: GuardShape,
    input: { treatment: ArmStatistics; control: ArmStatistics; expectedTreatmentShare: number },
  ): { verdict: Verdict; reason: string; stats: object };
}

async function loadDecision(): Promise<DecisionModule> {
  const require = createRequire(import.meta.url);
  const file = join(dirname(require.resolve('@switchboard/server')), 'modules', 'releases', 'decision.js');
  return (await import(pathToFileURL(file).href)) as DecisionModule;
}

/** One running plan: its stage's split, per-arm error and latency counts, and how they grow per round. */
interface Plan {
  share: number;
  treatmentErrorRate: number;
  guards: { guard: GuardShape; treatment: ArmStatistics; control: ArmStatistics }[];
  arrivals: number;
}

const ERROR_GUARD: GuardShape = { event: '$error', metric: 'rate', worseWhen: 'higher', action: 'rollback' };
const LATENCY_GUARD: GuardShape = { event: 'checkout_ms', metric: 'mean', worseWhen: 'higher', tolerance: 0.1, action: 'pause' };
const SHARES = [0.01, 0.05, 0.25, 0.5];

function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Adds `units` units at error rate `p` and latency mean `mean` (sd = mean / 2) to the arms, in expectation plus noise. */
function grow(rate: ArmStatistics, latency: ArmStatistics, units: number, p: number, mean: number, random: () => number): void {
  rate.units += units;
  rate.unitsWithEvent += Math.round(units * p + (random() - 0.5) * 2 * Math.sqrt(units * p));
  rate.unitsWithEvent = Math.min(rate.units, Math.max(0, rate.unitsWithEvent));
  const reporting = Math.round(units * 0.3);
  const sum = reporting * mean * (1 + (random() - 0.5) * 0.02);
  latency.units += units;
  latency.unitsWithEvent += reporting;
  latency.sum = (latency.sum ?? 0) + sum;
  latency.sumOfSquares = (latency.sumOfSquares ?? 0) + reporting * (mean * mean * 1.25);
}

function createPlans(random: () => number): Plan[] {
  const plans: Plan[] = [];
  for (let i = 0; i < PLANS; i++) {
    const share = SHARES[i % SHARES.length]!;
    // One plan in ten has a real regression (errors doubled), so rounds see every verdict.
    const plan: Plan = { share, treatmentErrorRate: i % 10 === 0 ? 0.02 : 0.01, guards: [], arrivals: 0 };
    const errors = { guard: ERROR_GUARD, treatment: { units: 0, unitsWithEvent: 0 }, control: { units: 0, unitsWithEvent: 0 } };
    const latency = { guard: LATENCY_GUARD, treatment: { units: 0, unitsWithEvent: 0 }, control: { units: 0, unitsWithEvent: 0 } };
    plan.guards.push(errors, latency);
    // Stages from just started to well past minUnits.
    const treatmentUnits = Math.floor(random() * 30_000);
    plan.arrivals = 20 + Math.floor(random() * 200);
    grow(errors.treatment, latency.treatment, treatmentUnits, plan.treatmentErrorRate, 200, random);
    grow(errors.control, latency.control, Math.round((treatmentUnits * (1 - share)) / share), 0.01, 200, random);
    plans.push(plan);
  }
  return plans;
}

function advance(plans: Plan[], random: () => number): void {
  for (const plan of plans) {
    const [errors, latency] = plan.guards as [Plan['guards'][number], Plan['guards'][number]];
    grow(errors.treatment, latency.treatment, plan.arrivals, plan.treatmentErrorRate, 200, random);
    grow(errors.control, latency.control, Math.round((plan.arrivals * (1 - plan.share)) / plan.share), 0.01, 200, random);
  }
}

interface GuardRun {
  roundsMs: number[];
  checksPerRound: number;
  verdicts: Record<Verdict, number>;
}

async function measure(context: BenchModuleContext): Promise<GuardRun> {
  const { evaluateGuard } = await loadDecision();
  const random = createRandom(13);
  const plans = createPlans(random);
  const checksPerRound = plans.reduce((n, p) => n + p.guards.length, 0);
  const verdicts: Record<Verdict, number> = { wait: 0, ok: 0, regression: 0, srm: 0 };
  let sink = 0;
  const round = (): number => {
    const started = performance.now();
    for (const plan of plans) {
      for (const g of plan.guards) {
        const decision = evaluateGuard(g.guard, { treatment: g.treatment, control: g.control, expectedTreatmentShare: plan.share });
        sink += decision.reason.length;
        verdicts[decision.verdict]++;
      }
    }
    return performance.now() - started;
  };
  const warmup = context.options.quick ? 10 : 50;
  const rounds = context.options.quick ? 30 : 400;
  for (let i = 0; i < warmup; i++) {
    round();
    advance(plans, random);
  }
  for (const key of Object.keys(verdicts) as Verdict[]) verdicts[key] = 0;
  const roundsMs: number[] = [];
  for (let i = 0; i < rounds; i++) {
    roundsMs.push(round());
    advance(plans, random); // between rounds, not timed: the counts that arrived since the last check
  }
  if (sink === 0.5) console.log('(unreachable: keeps the results alive)');
  return { roundsMs, checksPerRound, verdicts };
}

function render(run: GuardRun, context: BenchModuleContext, machine: ReturnType<typeof machineAtStart>): BenchModuleResult {
  const median = percentile(run.roundsMs, 50);
  const p99 = percentile(run.roundsMs, 99);
  const max = Math.max(...run.roundsMs);
  const perCheckUs = (median * 1000) / run.checksPerRound;
  const total = Object.values(run.verdicts).reduce((a, b) => a + b, 0);
  const mix = (Object.keys(run.verdicts) as Verdict[]).map((v) => `${v} ${((run.verdicts[v] / total) * 100).toFixed(1)}%`).join(', ');
  const header = ['plans', 'guard checks per round', 'median (ms per round)', 'p99 (ms)', 'max (ms)', 'median per check (µs)'];
  const rows = [
    [
      PLANS.toLocaleString('en-US'),
      run.checksPerRound.toLocaleString('en-US'),
      median.toFixed(2),
      p99.toFixed(2),
      max.toFixed(2),
      perCheckUs.toFixed(2),
    ],
  ];
  const target: Target = {
    ...judge(p99, TARGET_P99_MS, true),
    text: `a check round of ${PLANS.toLocaleString('en-US')} running plans within 1% of the ${CHECK_INTERVAL_MS / 1000} s check interval (${TARGET_P99_MS} ms), p99: ${p99.toFixed(2)} ms`,
  };
  const method =
    `${PLANS.toLocaleString('en-US')} running plans in one process, at stages of 1%, 5%, 25% and 50% (control: everyone else), each with two guards (an \`$error\` rate guard and a \`mean\` latency guard with 10% tolerance), so ${run.checksPerRound.toLocaleString('en-US')} \`evaluateGuard\` calls per round; ` +
    `arms from empty to 30,000 treatment units, one plan in ten with its treatment's error rate doubled. ` +
    `Each round is timed as a whole (\`performance.now()\` around the loop, reason strings and stats objects included); between rounds, untimed, every plan's counts grow as new units arrive. ` +
    `${context.options.quick ? 10 : 50} warm-up rounds, then ${run.roundsMs.length} timed rounds; GC is not forced, so its pauses are in the tail. ` +
    `Reading the counts from the database is not included. Verdicts over the timed rounds: ${mix}.`;
  const markdown = [
    '## Guard evaluation (release plans)',
    '',
    "What one check round of the release-plan runner costs in CPU: every running plan's guards evaluated once by the pure decision code (docs/release-safety.md).",
    '',
    ...headerLines(
      context,
      machine,
      'packages/benchmarks/src/guard-evaluation.ts',
      method,
      'Other work was competing for the machine, so these times are inflated; the decision code is pure arithmetic and scales linearly with the number of guards.',
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
  const text = [textTable(header, rows), `verdicts: ${mix}`, '', 'targets:', targetText(target)].join('\n');
  return { markdown, text };
}

export const guardEvaluationBenchmark: BenchModule = {
  id: 'guard-evaluation',
  title: 'Guard evaluation (release plans)',
  async run(context): Promise<BenchModuleResult> {
    const machine = machineAtStart(context);
    return render(await measure(context), context, machine);
  },
};
