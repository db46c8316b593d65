/**
 * `explain`: what a user gets for a flag in an environment, and why — the server's answer
 * from the snapshot SDKs get (`POST …/explain`), printed as the result and then each step:
 * the kill switch, prerequisites, each rule reached with every condition's outcome, the serve.
 */
import type { ExplainContext, FlagExplanation } from '@switchboard/api-client';
import { key, requiredOption, stringOption, type Values } from '../arguments.js';
import { ENV_OPTION, type Command } from '../command.js';
import { UsageError } from '../errors.js';

type AttributeValue = ExplainContext[string];

/** `--context` JSON, then `--user` and `--attr k=v,k2=v2` on top (numbers and true/false typed as such). */
function contextOf(values: Values, command: string): ExplainContext {
  const context: Record<string, AttributeValue> = {};
  const raw = stringOption(values, 'context');
  if (raw !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw new UsageError(`--context must be a JSON object, like '{"userId":"u1","country":"DE"}'`, command);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new UsageError(`--context must be a JSON object, like '{"userId":"u1","country":"DE"}'`, command);
    }
    Object.assign(context, parsed);
  }
  const attrs = stringOption(values, 'attr');
  if (attrs !== undefined) {
    for (const pair of attrs.split(',')) {
      const eq = pair.indexOf('=');
      if (eq < 1) throw new UsageError(`--attr takes name=value pairs separated by commas, not "${pair}"`, command);
      const text = pair.slice(eq + 1);
      context[pair.slice(0, eq)] = /^(true|false|-?\d+(\.\d+)?)$/.test(text) ? (JSON.parse(text) as number | boolean) : text;
    }
  }
  const user = stringOption(values, 'user');
  if (user !== undefined) context.userId = user;
  return context as ExplainContext;
}

const show = (value: unknown): string => (value === undefined ? '(missing)' : JSON.stringify(value));
const MARK = { match: '✓', noMatch: '✗', invalid: '!' } as const;

type ConditionTrace = FlagExplanation['rules'][number]['conditions'][number];

function conditionLines(c: ConditionTrace, indent: string): string[] {
  const subject = c.operator === 'inSegment' ? 'in segment' : `${c.attribute ?? '?'} ${c.operator}`;
  const values = c.values.map((v) => JSON.stringify(v)).join(', ');
  const actual = c.operator === 'inSegment' ? '' : ` (context: ${show(c.actual)})`;
  const lines = [
    `${indent}${MARK[c.outcome]} ${c.negate ? 'not ' : ''}${subject} [${values}]${actual}${c.outcome === 'invalid' ? ' — invalid value' : ''}`,
  ];
  for (const s of c.segments ?? []) {
    const how = s.decidedBy === 'conditions' ? '' : ` (${s.decidedBy === 'missing' ? 'no such segment' : `${s.decidedBy} by user id`})`;
    lines.push(`${indent}    segment ${s.key}: ${MARK[s.outcome]}${how}`);
    for (const sc of s.conditions) lines.push(...conditionLines(sc, `${indent}      `));
  }
  return lines;
}

/** The explanation as indented text: result first, then each step in the order the engine took it. */
export function describeExplanation(e: FlagExplanation, indent = ''): string[] {
  const r = e.result;
  const served = r.variant === undefined ? JSON.stringify(r.value) : `${r.variant} (${JSON.stringify(r.value)})`;
  const lines = [
    `${indent}${e.flag}: ${served} — ${r.reason}${r.errorCode ? ` ${r.errorCode}` : ''}${r.ruleId ? `, rule ${r.ruleId}` : ''}`,
  ];
  if (!e.found) return lines;
  if (!e.enabled) return [...lines, `${indent}  the flag is off in this environment: everyone gets the off variant`];
  for (const p of e.prerequisites) {
    lines.push(`${indent}  ${p.met ? '✓' : '✗'} prerequisite ${p.flag} must serve ${p.variant}`);
    if (p.explanation) lines.push(...describeExplanation(p.explanation, `${indent}    `));
    else lines.push(`${indent}    ${p.flag} does not exist`);
  }
  for (const rule of e.rules) {
    const name = rule.id ?? `#${rule.index + 1}`;
    lines.push(`${indent}  rule ${rule.index + 1} (${name}): ${rule.matched ? 'matched' : 'not matched'}`);
    for (const c of rule.conditions) lines.push(...conditionLines(c, `${indent}    `));
  }
  const s = e.serve;
  if (s && s.from !== 'off') {
    const from = s.from === 'rule' ? `rule ${s.ruleId ?? ''}`.trim() : 'fallthrough';
    if (s.bucketBy === undefined) lines.push(`${indent}  served by the ${from}`);
    else if (s.bucket === undefined) lines.push(`${indent}  ${from} is a rollout by ${s.bucketBy}, which the context lacks: off variant`);
    else lines.push(`${indent}  ${from} is a rollout by ${s.bucketBy}: bucket ${s.bucket} of ${s.total}`);
  }
  return lines;
}

export const explain: Command = {
  name: 'explain',
  summary: 'show what a user gets for a flag in an environment, and why',
  arguments: ['flag'],
  usage: `<flag> --env <env> [--context '<json>'] [--user <id>] [--attr name=value,…]`,
  options: {
    env: ENV_OPTION,
    context: { type: 'string', placeholder: '<json>', description: 'the evaluation context as a JSON object' },
    user: { type: 'string', placeholder: '<id>', description: 'the userId (overrides one in --context)' },
    attr: {
      type: 'string',
      placeholder: '<name=value,…>',
      description: 'attributes, comma-separated; numbers and true/false are typed (use --context for strings like "42")',
    },
  },
  details:
    'Evaluated by the server against the snapshot SDKs get, with the same evaluator. Prints the value, variant\n' +
    'and reason, then each prerequisite, each rule reached with every condition (✓ holds, ✗ doesn’t, ! invalid\n' +
    'value) and the serve. Example:\n' +
    `  switchboard explain new-checkout --env production --user u1 --attr country=DE,plan=pro`,
  async run(ctx, [flagArg], values) {
    const flag = key(flagArg!, 'flag', ctx.command);
    const env = key(requiredOption(values, 'env', ctx.command), 'environment', ctx.command);
    const context = contextOf(values, ctx.command);
    const body = await ctx.api().explain.flag(flag, env, context);
    if (ctx.json) return ctx.printJson(body);
    ctx.out(
      [`${env} at revision ${body.revision}, context ${JSON.stringify(context)}`, ...describeExplanation(body.explanation)].join('\n'),
    );
  },
};
