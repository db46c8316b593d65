import { mkdirSync, writeFileSync } from 'node:fs';
import { Session, type Profiler } from 'node:inspector/promises';
import { join } from 'node:path';
import type { Implementation, ImplementationFactory } from './evaluation/implementation.js';
import { createFloor } from './evaluation/implementations/floor.js';
import { createGrowthBook } from './evaluation/implementations/growthbook.js';
import { createLaunchDarkly } from './evaluation/implementations/launchdarkly.js';
import { createSwitchboard } from './evaluation/implementations/switchboard.js';
import { createUnleash } from './evaluation/implementations/unleash.js';
import { SCENARIOS, USER_COUNT, createUsers } from './evaluation/scenarios.js';

/**
 * CPU profile of one implementation on one evaluation scenario:
 *   pnpm --filter @switchboard/benchmarks run cpu-profile [plain|rollout|rules] [switchboard|floor|growthbook|unleash|launchdarkly]
 * Warms up, profiles ~3 s of evaluations with the inspector, prints the top frames by
 * self time and writes the .cpuprofile (open it in Chrome DevTools) to profiles/.
 */

const FACTORIES: Record<string, ImplementationFactory> = {
  switchboard: createSwitchboard,
  floor: createFloor,
  growthbook: createGrowthBook,
  unleash: createUnleash,
  launchdarkly: createLaunchDarkly,
};

async function spin(impl: Implementation, flagKey: string, ms: number): Promise<number> {
  const until = performance.now() + ms;
  let ops = 0;
  while (performance.now() < until) {
    const r = impl.run(flagKey, USER_COUNT, 0);
    if (typeof r !== 'number') await r;
    ops += USER_COUNT;
  }
  return ops;
}

function topFrames(profile: Profiler.Profile, limit: number): string[] {
  const hits = new Map<number, number>();
  for (const id of profile.samples ?? []) hits.set(id, (hits.get(id) ?? 0) + 1);
  const self = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const n = hits.get(node.id) ?? 0;
    if (n === 0) continue;
    const f = node.callFrame;
    const where = f.url ? `${f.url.split('/').slice(-3).join('/')}:${f.lineNumber + 1}` : '';
    const key = `${f.functionName || '(anonymous)'} ${where}`.trim();
    self.set(key, (self.get(key) ?? 0) + n);
    total += n;
  }
  return [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([key, n]) => `${((100 * n) / total).toFixed(1).padStart(5)}%  ${key}`);
}

async function main(): Promise<void> {
  const [scenarioId = 'rollout', implId = 'switchboard'] = process.argv.slice(2);
  const scenario = SCENARIOS.find((s) => s.id === scenarioId);
  const factory = FACTORIES[implId];
  if (!scenario || !factory) {
    throw new Error(`usage: profile [${SCENARIOS.map((s) => s.id).join('|')}] [${Object.keys(FACTORIES).join('|')}]`);
  }
  process.env.NODE_ENV = 'production';
  const impl = await factory(createUsers());
  await spin(impl, scenario.flagKey, 1000);

  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
  const started = performance.now();
  const ops = await spin(impl, scenario.flagKey, 3000);
  const elapsed = performance.now() - started;
  const { profile } = await session.post('Profiler.stop');
  session.disconnect();
  await impl.close();

  const dir = join(process.cwd(), 'profiles');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${scenario.id}-${impl.id}.cpuprofile`);
  writeFileSync(file, JSON.stringify(profile));
  console.log(`${impl.label} / ${scenario.title}: ${((elapsed * 1e6) / ops).toFixed(1)} ns per evaluation (profiler on)`);
  console.log(topFrames(profile, 15).join('\n'));
  console.log(`profile: ${file}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
