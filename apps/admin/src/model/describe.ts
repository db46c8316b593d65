/** Targeting in words, for comparisons and summaries: "country is one of DE, FR → on". */
import type { Condition, Prerequisite, Rule } from '@switchboard/core';
import { OPERATOR_INFO } from './rules';
import { serveDetail } from './status';

export function describeCondition(c: Condition): string {
  const info = OPERATOR_INFO[c.operator];
  const label = info ? info.label : c.operator;
  const values = c.values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ');
  const not = c.negate ? 'not ' : '';
  if (c.operator === 'inSegment') return `${not}in segment ${values}`;
  if (c.operator === 'exists') return `${c.attribute} ${c.negate ? 'is absent' : 'is present'}`;
  return `${not}${c.attribute} ${label} ${values}${c.caseInsensitive ? ' (any case)' : ''}`;
}

export function describeRule(rule: Rule, offVariant: string): string {
  const when = rule.conditions.length === 0 ? 'everyone' : rule.conditions.map(describeCondition).join(' and ');
  return `${rule.id}: ${when} → ${serveDetail(rule.serve, offVariant).replace(/^serves /, '')}`;
}

export function describePrerequisites(list: Prerequisite[]): string {
  return list.length === 0 ? 'none' : list.map((p) => `${p.flag} serves ${p.variant}`).join(', ');
}
