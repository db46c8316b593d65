import type { BenchModule, BenchModuleContext, BenchModuleResult } from '../bench-module.js';
import type { Implementation } from '../evaluation/implementation.js';
import { createSwitchboard } from '../evaluation/implementations/switchboard.js';
import { SCENARIOS, USER_COUNT, createUsers, type ScenarioId } from '../evaluation/scenarios.js';
import { markdownTable, micros, ratio, textTable } from '../format.js';
import { harnessSink, measureGroup, median, type BenchCase, type CaseStats } from '../harness.js';
import { withoutNetwork } from '../network-fuse.js';
import { headerLines, judge, machineAtStart, targetMarkdown, targetText, type Target } from '../report-lines.js';
import { createCountingSdk, createOfflineSdk } from './sdk-node.js';

/**
 * What the Node SDK adds on top of core: `client.isEnabled(key, context)` against
 * `evaluate(snapshot, key, context, false)` on the evaluation module's scenarios, same
 * users, same harness, interleaved.
 */

const TARGET_RATIO = 1.2;

interface SdkEvaluationRun {
  impls: Implementation[];
  results: Map<ScenarioId, CaseStats[]>;
  agreed: number;
}

function scenarioCase(impl: Implementation, flagKey: string): BenchCase {
  let cursor = 0;
  return {
    id: impl.id,
    run(count) {
      const from = cursor;
      cursor = (cursor + count) % USER_COUNT;
      return impl.run(flagKey, count, from);
    },
  };
}

async function measure(context: BenchModuleContext): Promise<SdkEvaluationRun> {
  const users = createUsers();
  const log = (line: string) => console.log(`  ${line}`);
  process.env.NODE_ENV = 'production';
  return withoutNetwork('the SDK evaluation benchmark', async () => {
    const core = await createSwitchboard(users);
    const impls: Implementation[] = [core, await createOfflineSdk(users), await createCountingSdk(users)];
    try {
      // Every client answers exactly what core answers, for every user and scenario.
      let agreed = 0;
      for (const scenario of SCENARIOS) {
        for (let i = 0; i < users.length; i++) {
          const expected = core.evaluateUser(scenario.flagKey, i);
          for (const impl of impls.slice(1)) {
            if (impl.evaluateUser(scenario.flagKey, i) !== expected)
              throw new Error(`${impl.label} disagrees with core on ${scenario.flagKey} for ${users[i]!.userId}`);
          }
          agreed++;
        }
      }
      log(`verified: both clients agree with core on ${agreed.toLocaleString('en-US')} evaluations; measuring`);
      const results = new Map<ScenarioId, CaseStats[]>();
      for (const scenario of SCENARIOS) {
        const stats = await measureGroup(
          impls.map((impl) => scenarioCase(impl, scenario.flagKey)),
          context.options,
        );
        results.set(scenario.id, stats);
        log(`${scenario.title}: ${stats.map((s) => `${s.id} ${micros(s.median)} µs`).join(', ')}`);
      }
      if (harnessSink() === 0.5) log('(unreachable: keeps the results alive)');
      return { impls, results, agreed };
    } finally {
      for (const impl of impls) await impl.close();
    }
  });
}

function render(run: SdkEvaluationRun, context: BenchModuleContext, machine: ReturnType<typeof machineAtStart>): BenchModuleResult {
  const rows: string[][] = [];
  let target: Target | undefined;
  for (const scenario of SCENARIOS) {
    const stats = run.results.get(scenario.id)!;
    const core = stats.find((s) => s.id === 'switchboard')!;
    for (const impl of run.impls) {
      const s = stats.find((x) => x.id === impl.id)!;
      const paired = median(s.samples.map((v, r) => v / core.samples[r]!));
      rows.push([
        scenario.title,
        impl.label,
        `\`${impl.call}\``,
        micros(s.median),
        `${micros(s.min)}–${micros(s.max)}`,
        ratio(s.median / core.median),
        ratio(paired),
      ]);
      if (scenario.id === 'rollout' && impl.id === 'sdk-offline') {
        const r = s.median / core.median;
        target = {
          ...judge(r, TARGET_RATIO, true),
          text: `\`isEnabled\` through \`@switchboard/node\` within ${TARGET_RATIO}× of core's \`evaluate\` on the rollout flag: ${r.toFixed(3)}× (${micros(s.median)} vs ${micros(core.median)} µs; median of per-round ratios ${paired.toFixed(3)}×)`,
        };
      }
    }
  }
  const header = ['scenario', 'implementation', 'call', 'median (µs)', 'min–max (µs)', '× core', '× core, per round'];
  const method =
    `the evaluation module's three scenarios, snapshot and ${USER_COUNT.toLocaleString('en-US')} users, and its harness: each case warms up for ~${context.options.warmupMs} ms, then ${context.options.samples} samples of ~${context.options.sampleMs} ms, cases interleaved round by round with GCs between samples (not timed). ` +
    "Three implementations: core's `evaluate(snapshot, key, context, false).value` (as in the evaluation section), an offline client (`createClient({ offline: true, bootstrap })`) and a client with evaluation counting on (events enabled, so each call also counts the served variant for `POST /api/sdk/events`; its server is a fetch stub that never answers, so it serves the bootstrap). " +
    `Before timing, both clients must answer exactly what core answers for every user in every scenario (${run.agreed.toLocaleString('en-US')} checks). Everything runs with sockets and \`fetch\` fused off. "× core, per round" is the median of the per-round ratios, less exposed to the machine's load drifting.`;
  const markdown = [
    '## SDK evaluation overhead (`@switchboard/node`)',
    '',
    'What a call through the Node SDK costs over calling `@switchboard/core` directly: the same flags, the same users, the same harness.',
    '',
    ...headerLines(
      context,
      machine,
      'packages/benchmarks/src/sdk-evaluation',
      method,
      'Other work was competing for the machine, so absolute times are inflated and noisy; the ratios to core, measured interleaved, hold up better.',
    ),
    '',
    '### Results',
    '',
    markdownTable(header, rows, ['l', 'l', 'l', 'r', 'r', 'r', 'r']),
    '',
    '### Targets (issue 4)',
    '',
    targetMarkdown(target!),
  ].join('\n');
  const text = [textTable(header, rows), '', 'targets:', targetText(target!)].join('\n');
  return { markdown, text };
}

export const sdkEvaluationBenchmark: BenchModule = {
  id: 'sdk-evaluation',
  title: 'SDK evaluation overhead (@switchboard/node)',
  async run(context): Promise<BenchModuleResult> {
    const machine = machineAtStart(context);
    return render(await measure(context), context, machine);
  },
};
