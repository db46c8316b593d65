import type { BenchModuleContext, BenchModuleResult } from '../bench-module.js';
import { markdownTable, micros, ratio, textTable } from '../format.js';
import { median, type CaseStats } from '../harness.js';
import { loadNote, machineLine } from '../machine.js';
import type { Implementation } from './implementation.js';
import { SCENARIOS, USER_COUNT, type ScenarioId } from './scenarios.js';
import type { Verification } from './verify.js';

export interface EvaluationRun {
  impls: Implementation[];
  verifications: Verification[];
  results: Map<ScenarioId, CaseStats[]>;
  hash: { stats: CaseStats[]; labels: Record<string, string>; keyLength: number };
}

/** Targets from PRODUCT.md, checked on medians. */
const ROLLOUT_MAX_FLOOR_RATIO = 1.5;
const ROLLOUT_MIN_PEER_SPEEDUP = 8;
const RULES_MIN_PEER_SPEEDUP = 10;

interface Row {
  scenario: string;
  impl: Implementation;
  stats: CaseStats;
  floorRatio: number;
  /** peer id → peer median / this median. */
  speedups: Map<string, number>;
}

function rowsOf(run: EvaluationRun): Row[] {
  const peers = run.impls.filter((i) => i.role === 'peer');
  const rows: Row[] = [];
  for (const scenario of SCENARIOS) {
    const stats = run.results.get(scenario.id)!;
    const byId = new Map(stats.map((s) => [s.id, s]));
    const floor = byId.get('floor')!;
    for (const impl of run.impls) {
      const s = byId.get(impl.id)!;
      rows.push({
        scenario: scenario.title,
        impl,
        stats: s,
        floorRatio: s.median / floor.median,
        speedups: new Map(peers.map((p) => [p.id, byId.get(p.id)!.median / s.median])),
      });
    }
  }
  return rows;
}

interface TargetCheck {
  text: string;
  met: boolean;
  /** Within 10% of the threshold: noise on a shared machine could flip it. */
  close: boolean;
}

/** `value` against `threshold`, where meeting means `value <= threshold` (`atMost`) or `>=`. */
function judge(value: number, threshold: number, atMost: boolean): Pick<TargetCheck, 'met' | 'close'> {
  return {
    met: atMost ? value <= threshold : value >= threshold,
    close: Math.abs(value - threshold) / threshold < 0.1,
  };
}

const CLOSE_NOTE = ' — within 10% of the line, so a noisy run could flip it';

function checkTargets(run: EvaluationRun): TargetCheck[] {
  const peers = run.impls.filter((i) => i.role === 'peer');
  const get = (scenario: ScenarioId, id: string) => run.results.get(scenario)!.find((s) => s.id === id)!.median;
  const fastestPeer = (scenario: ScenarioId) =>
    peers.map((p) => ({ peer: p, median: get(scenario, p.id) })).sort((a, b) => a.median - b.median)[0]!;
  const core = (scenario: ScenarioId) => get(scenario, 'switchboard');

  const floorRatio = core('rollout') / get('rollout', 'floor');
  // Core's and the floor's samples of one round ran moments apart; the median of their
  // per-round ratios is less exposed to the machine's load drifting during the run.
  const rolloutStats = run.results.get('rollout')!;
  const coreSamples = rolloutStats.find((s) => s.id === 'switchboard')!.samples;
  const floorSamples = rolloutStats.find((s) => s.id === 'floor')!.samples;
  const pairedRatio = median(coreSamples.map((c, r) => c / floorSamples[r]!));
  const rolloutPeer = fastestPeer('rollout');
  const rolloutSpeedup = rolloutPeer.median / core('rollout');
  const rulesPeer = fastestPeer('rules');
  const rulesSpeedup = rulesPeer.median / core('rules');
  return [
    {
      ...judge(floorRatio, ROLLOUT_MAX_FLOOR_RATIO, true),
      text: `rollout within ${ROLLOUT_MAX_FLOOR_RATIO}× of the floor: ${floorRatio.toFixed(3)}× (${micros(core('rollout'))} vs ${micros(get('rollout', 'floor'))} µs; median of per-round ratios ${pairedRatio.toFixed(3)}×)`,
    },
    {
      ...judge(rolloutSpeedup, ROLLOUT_MIN_PEER_SPEEDUP, false),
      text: `rollout ≥ ${ROLLOUT_MIN_PEER_SPEEDUP}× faster than the fastest peer (${rolloutPeer.peer.label}, ${micros(rolloutPeer.median)} µs): ${ratio(rolloutSpeedup)}`,
    },
    {
      ...judge(rulesSpeedup, RULES_MIN_PEER_SPEEDUP, false),
      text: `rules + rollout ≥ ${RULES_MIN_PEER_SPEEDUP}× faster than the fastest peer (${rulesPeer.peer.label}, ${micros(rulesPeer.median)} µs): ${ratio(rulesSpeedup)}`,
    },
  ];
}

export function renderEvaluation(run: EvaluationRun, { options, machine }: BenchModuleContext): BenchModuleResult {
  const peers = run.impls.filter((i) => i.role === 'peer');
  const rows = rowsOf(run);
  const targets = checkTargets(run);
  const hashById = new Map(run.hash.stats.map((s) => [s.id, s]));
  const hashFloor = hashById.get('murmur3-reference')!;
  const cells = (r: Row) => [
    micros(r.stats.median),
    `${micros(r.stats.min)}–${micros(r.stats.max)}`,
    ratio(r.floorRatio),
    ...peers.map((p) => ratio(r.speedups.get(p.id)!)),
  ];

  // Terminal.
  const text = [
    textTable(
      ['scenario / implementation', 'median µs', 'min–max µs', '× floor', ...peers.map((p) => `vs ${p.label}`)],
      rows.map((r) => [`${r.scenario} / ${r.impl.label}`, ...cells(r)]),
    ),
    '',
    textTable(
      [`hash alone (${run.hash.keyLength}-char key)`, 'median µs', 'min–max µs', '× floor murmur3'],
      run.hash.stats.map((s) => [
        run.hash.labels[s.id] ?? s.id,
        micros(s.median),
        `${micros(s.min)}–${micros(s.max)}`,
        ratio(s.median / hashFloor.median),
      ]),
    ),
    '',
    'targets:',
    ...targets.map((t) => `  ${t.met ? 'met    ' : 'NOT MET'}  ${t.text}${t.close ? CLOSE_NOTE : ''}`),
  ].join('\n');

  // docs/benchmarks.md.
  const verification = new Map(run.verifications.map((v) => [v.implementationId, v]));
  const markdown = [
    '## Evaluation (core)',
    '',
    `Local evaluation of one boolean flag for one user: \`evaluate\` from \`@switchboard/core\` against a hand-written floor and three established Node SDKs, in one process, over the same ${USER_COUNT.toLocaleString('en-US')} users.`,
    '',
    `- **Machine:** ${machineLine(machine)}`,
    `- **Load average (1 min):** ${loadNote(machine)}`,
    `- **Command:** \`${options.command}\` from the repository root (this section: \`packages/benchmarks/src/evaluation\`)`,
    `- **Method:** each case warms up for ~${options.warmupMs} ms, then takes ${options.samples} samples of ~${options.sampleMs} ms; a sample is one batch of evaluations walking through ${USER_COUNT.toLocaleString('en-US')} precomputed users (each SDK gets the same users in its own context shape, built before timing). The implementations of one scenario run interleaved, one sample each per round in a rotating order, with a full GC before every round and a young-generation GC before every sample (neither timed). Times are per evaluation: median and min–max over the samples.`,
    '',
    '### Results',
    '',
    markdownTable(
      ['scenario', 'implementation', 'median (µs)', 'min–max (µs)', '× floor', ...peers.map((p) => `speed-up vs ${p.label}`)],
      rows.map((r) => {
        const bold = r.impl.role === 'subject' ? (s: string) => `**${s}**` : (s: string) => s;
        return [r.scenario, bold(r.impl.label), ...cells(r).map(bold)];
      }),
      ['l', 'l', 'r', 'r', 'r', ...peers.map(() => 'r' as const)],
    ),
    '',
    '"× floor" is time over the floor\'s time (lower is better); "speed-up vs X" is X\'s time over this row\'s time (above 1 means faster than X).',
    '',
    '### Targets (PRODUCT.md, on medians)',
    '',
    ...targets.map((t) => `- ${t.met ? '✅ met' : '❌ not met'}: ${t.text}${t.close ? CLOSE_NOTE : ''}`),
    '',
    `Medians of interleaved rounds are compared so that whatever else the machine was doing lands on every implementation alike; the min–max columns show how much it moved single samples. The floor ratio is the tighter target: the floor does the same hashing as core, so the ratio is all overhead (looking the flag up in the document, validating weights and types, building the result object).`,
    '',
    `### Hash alone (side rows, ${run.hash.keyLength}-char keys)`,
    '',
    markdownTable(
      ['hash', 'median (µs)', 'min–max (µs)', '× floor murmur3'],
      run.hash.stats.map((s) => [
        run.hash.labels[s.id] ?? s.id,
        micros(s.median),
        `${micros(s.min)}–${micros(s.max)}`,
        ratio(s.median / hashFloor.median),
      ]),
      ['l', 'r', 'r', 'r'],
    ),
    '',
    'Both hash the same precomputed `salt + userId` strings of the rollout flag and agree on all of them (and on non-ASCII strings, split anywhere).',
    '',
    '### Setups, each verified before timing',
    '',
    'Every implementation evaluated every scenario for all users before anything was timed; the run stops if a plain flag is not on for everyone, a rollout is off its share by more than 1 point, a user matching a rule is not served `true`, or core and the floor disagree on any user. All of it runs with socket connects and `fetch` replaced by functions that fail the run.',
    '',
    markdownTable(
      ['implementation', 'package', 'call', ...SCENARIOS.map((s) => s.title)],
      run.impls.map((impl) => {
        const v = verification.get(impl.id)!;
        return [impl.label, `\`${impl.source}\``, `\`${impl.call}\``, ...SCENARIOS.map((s) => v.summary[s.id])];
      }),
    ),
    '',
    ...SCENARIOS.map((s) => `- **${s.title}:** ${s.description}.`),
    '- **floor:** the flag document compiled ahead of time into plain records; a Map lookup, the rule comparisons, one allocation-free `Math.imul` murmur3 over UTF-8(salt + userId) and a bucket compare; returns the bare boolean.',
    '- **Switchboard core:** `evaluate(snapshot, key, context, false)` on the flag document as SDKs receive it; returns the full result (`value`, `variant`, `reason`, `ruleId`).',
    '- **GrowthBook:** the multi-user `GrowthBookClient` (the mode its README calls the more efficient one for servers) loaded with `initSync` from an in-memory payload; rollouts are force rules with `coverage`; `endsWith` is an anchored `$regex` (GrowthBook has no endsWith).',
    '- **Unleash:** an `Unleash` instance with an in-memory repository (no fetcher), metrics disabled; rules are `default` strategies with one constraint each, rollouts are `flexibleRollout` on the user id.',
    "- **LaunchDarkly:** the Node server SDK fed by its `TestData` integration with events and diagnostics off (its `offline` option can't be used: it makes every variation return the default); `variation` returns a Promise, so each evaluation is awaited, as an application would.",
    "- The process runs with `NODE_ENV=production`, as a production service would (GrowthBook's evaluation reads it to skip development logging).",
  ].join('\n');

  return { markdown, text };
}
