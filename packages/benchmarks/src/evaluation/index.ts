import type { BenchModule, BenchModuleContext, BenchModuleResult } from '../bench-module.js';
import { harnessSink, measureGroup, type BenchCase, type CaseStats } from '../harness.js';
import { withoutNetwork } from '../network-fuse.js';
import { createHashCases, verifyReferenceOnNonAscii } from './hash-cases.js';
import type { Implementation } from './implementation.js';
import { createFloor } from './implementations/floor.js';
import { createGrowthBook } from './implementations/growthbook.js';
import { createLaunchDarkly } from './implementations/launchdarkly.js';
import { createSwitchboard } from './implementations/switchboard.js';
import { createUnleash } from './implementations/unleash.js';
import { renderEvaluation, type EvaluationRun } from './report.js';
import { SCENARIOS, USER_COUNT, createUsers, type ScenarioId } from './scenarios.js';
import { verifyImplementations } from './verify.js';

/** A bench case evaluating one flag with one implementation, rotating through the users. */
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

async function measure(context: BenchModuleContext): Promise<EvaluationRun> {
  const { options } = context;
  const users = createUsers();
  const log = (line: string) => console.log(`  ${line}`);

  // The peers are configured the way a production service runs them.
  process.env.NODE_ENV = 'production';

  return withoutNetwork('the evaluation benchmark', async () => {
    const switchboard = await createSwitchboard(users);
    const impls: Implementation[] = [
      await createFloor(users),
      switchboard,
      await createGrowthBook(users),
      await createUnleash(users),
      await createLaunchDarkly(users),
    ];
    try {
      log(`verifying ${impls.length} implementations × ${SCENARIOS.length} scenarios over ${USER_COUNT.toLocaleString('en-US')} users…`);
      const verifications = await verifyImplementations(impls, switchboard, users);
      const hash = createHashCases(users);
      log('verified; measuring');

      const results = new Map<ScenarioId, CaseStats[]>();
      for (const scenario of SCENARIOS) {
        const stats = await measureGroup(
          impls.map((impl) => scenarioCase(impl, scenario.flagKey)),
          options,
        );
        results.set(scenario.id, stats);
        log(`${scenario.title}: ${stats.map((s) => `${s.id} ${(s.median / 1000).toFixed(3)} µs`).join(', ')}`);
      }
      const hashStats = await measureGroup(hash.cases, options);
      log(`hash alone: ${hashStats.map((s) => `${s.id} ${(s.median / 1000).toFixed(3)} µs`).join(', ')}`);
      if (harnessSink() === 0.5) log('(unreachable: keeps the results alive)');
      verifyReferenceOnNonAscii();

      return { impls, verifications, results, hash: { stats: hashStats, labels: hash.labels, keyLength: hash.keyLength } };
    } finally {
      for (const impl of impls) await impl.close();
    }
  });
}

export const evaluationBenchmark: BenchModule = {
  id: 'evaluation',
  title: 'Evaluation (core)',
  async run(context): Promise<BenchModuleResult> {
    const run = await measure(context);
    return renderEvaluation(run, context);
  },
};
