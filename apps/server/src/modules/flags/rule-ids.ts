/** Rule ids a write may leave out: the server names them, once, and they are stored with the rule. */
import type { Rule } from '@switchboard/core';

/** A rule as a write may send it: everything but the id. */
export type RuleInput = Omit<Rule, 'id'> & { id?: string | undefined };

/**
 * `rules` with an id on each: given ids are kept, each missing one becomes the first free
 * `rule-<n>` (n from 1, skipping ids taken anywhere in the list), so the same input always
 * gets the same ids and they are unique within the config.
 */
export function withRuleIds(rules: readonly RuleInput[]): Rule[] {
  if (rules.every((r) => typeof r.id === 'string')) return rules as Rule[];
  const taken = new Set(rules.map((r) => r.id).filter((id): id is string => typeof id === 'string'));
  let n = 1;
  return rules.map((rule) => {
    if (typeof rule.id === 'string') return rule as Rule;
    while (taken.has(`rule-${n}`)) n++;
    const id = `rule-${n}`;
    taken.add(id);
    // The id first, as a client would have written it.
    return { id, ...rule } as Rule;
  });
}
