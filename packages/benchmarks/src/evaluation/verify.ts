import type { Implementation } from './implementation.js';
import type { SwitchboardImplementation } from './implementations/switchboard.js';
import {
  FLAG_KEYS,
  ROLLOUT_PERCENT,
  RULES_FALLTHROUGH_PERCENT,
  SCENARIOS,
  firstMatchingRule,
  type ScenarioId,
  type User,
} from './scenarios.js';

/**
 * Before anything is timed, every implementation evaluates every scenario for all
 * users, and the answers are checked against what the flags mean. A benchmark of a
 * misconfigured SDK (a rollout that serves everyone, rules that never match) would
 * be worthless, so any failure stops the run.
 */

/** Allowed distance of an observed rollout share from its target: > 6 standard deviations at 78k–100k users. */
const TOLERANCE = 0.01;

export interface Verification {
  implementationId: string;
  /** One line per scenario, for the report. */
  summary: Record<ScenarioId, string>;
}

function percent(part: number, whole: number): string {
  return `${((100 * part) / whole).toFixed(2)}%`;
}

async function evaluateAll(impl: Implementation, flagKey: string, count: number): Promise<boolean[]> {
  const out: boolean[] = [];
  for (let i = 0; i < count; i++) {
    const v = impl.evaluateUser(flagKey, i);
    out.push(typeof v === 'boolean' ? v : await v);
  }
  return out;
}

export async function verifyImplementations(
  impls: readonly Implementation[],
  switchboard: SwitchboardImplementation,
  users: readonly User[],
): Promise<Verification[]> {
  const problems: string[] = [];
  const verifications: Verification[] = [];
  const answers = new Map<string, Map<ScenarioId, boolean[]>>();
  const ruleOf = users.map(firstMatchingRule);
  const ruleMatches = [0, 0, 0];
  for (const r of ruleOf) if (r >= 0) ruleMatches[r]!++;
  if (ruleMatches.some((n) => n < 1000)) problems.push(`fixture: too few users match each rule (${ruleMatches.join(', ')})`);

  for (const impl of impls) {
    const summary = {} as Record<ScenarioId, string>;
    const byScenario = new Map<ScenarioId, boolean[]>();
    answers.set(impl.id, byScenario);
    for (const scenario of SCENARIOS) {
      const got = await evaluateAll(impl, scenario.flagKey, users.length);
      byScenario.set(scenario.id, got);
      const on = got.filter(Boolean).length;
      const where = `${impl.label} / ${scenario.title}`;
      if (scenario.id === 'plain') {
        if (on !== users.length) problems.push(`${where}: ${users.length - on} users got false, expected all true`);
        summary.plain = `${on.toLocaleString('en-US')}/${users.length.toLocaleString('en-US')} on`;
      } else if (scenario.id === 'rollout') {
        const share = on / users.length;
        if (Math.abs(share - ROLLOUT_PERCENT / 100) > TOLERANCE) {
          problems.push(`${where}: ${percent(on, users.length)} on, expected ${ROLLOUT_PERCENT}% ± ${TOLERANCE * 100}%`);
        }
        summary.rollout = `${percent(on, users.length)} on`;
      } else {
        let matchedOff = 0;
        let unmatched = 0;
        let unmatchedOn = 0;
        for (let i = 0; i < users.length; i++) {
          if (ruleOf[i]! >= 0) {
            if (!got[i]) matchedOff++;
          } else {
            unmatched++;
            if (got[i]) unmatchedOn++;
          }
        }
        if (matchedOff > 0) problems.push(`${where}: ${matchedOff} users matching a rule got false`);
        const share = unmatchedOn / unmatched;
        if (Math.abs(share - RULES_FALLTHROUGH_PERCENT / 100) > TOLERANCE) {
          problems.push(
            `${where}: fallthrough served ${percent(unmatchedOn, unmatched)} on, expected ${RULES_FALLTHROUGH_PERCENT}% ± ${TOLERANCE * 100}%`,
          );
        }
        summary.rules =
          `${(users.length - unmatched).toLocaleString('en-US')} rule matches all on; ` +
          `fallthrough ${percent(unmatchedOn, unmatched)} of ${unmatched.toLocaleString('en-US')} on`;
      }
    }
    verifications.push({ implementationId: impl.id, summary });
  }

  // Core and the floor implement the same bucketing spec: they must agree user by user.
  const floor = answers.get('floor');
  const core = answers.get(switchboard.id);
  if (floor && core) {
    for (const scenario of SCENARIOS) {
      const a = floor.get(scenario.id)!;
      const b = core.get(scenario.id)!;
      const differ = a.reduce((n, v, i) => n + (v === b[i] ? 0 : 1), 0);
      if (differ > 0) problems.push(`Switchboard core / ${scenario.title}: disagrees with the floor for ${differ} users`);
    }
  }

  // Core's reasons, per the contract: STATIC fallthrough, SPLIT rollout, TARGETING_MATCH rule.
  const reasonProblems = new Map<string, number>();
  const note = (message: string) => reasonProblems.set(message, (reasonProblems.get(message) ?? 0) + 1);
  for (let i = 0; i < users.length; i++) {
    const plain = switchboard.detail(FLAG_KEYS.plain, i);
    if (plain.reason !== 'STATIC' || plain.variant !== 'on' || plain.errorCode)
      note(`plain flag: ${plain.reason}/${plain.variant}/${plain.errorCode ?? '-'}`);
    const rollout = switchboard.detail(FLAG_KEYS.rollout, i);
    if (rollout.reason !== 'SPLIT' || rollout.errorCode) note(`rollout: ${rollout.reason}/${rollout.errorCode ?? '-'}`);
    const rules = switchboard.detail(FLAG_KEYS.rules, i);
    const rule = ruleOf[i]!;
    const expected = rule >= 0 ? 'TARGETING_MATCH' : 'SPLIT';
    const expectedRule = ['country', 'plan', 'staff'][rule];
    if (rules.reason !== expected || rules.errorCode || (rule >= 0 && rules.ruleId !== expectedRule)) {
      note(`rules: ${rules.reason}/${rules.ruleId ?? '-'}/${rules.errorCode ?? '-'}, expected ${expected}/${expectedRule ?? '-'}`);
    }
  }
  for (const [message, count] of reasonProblems) problems.push(`Switchboard core reasons: ${message} (${count} users)`);

  if (problems.length > 0) {
    throw new Error(`verification failed, nothing was timed:\n  - ${problems.join('\n  - ')}`);
  }
  return verifications;
}
