import { describe, expect, it } from 'vitest';
import { withRuleIds } from './rule-ids.js';

const serve = { variant: 'on' };

describe('withRuleIds', () => {
  it('names rules without an id rule-1, rule-2… skipping ids already taken, and keeps given ids', () => {
    const rules = withRuleIds([
      { conditions: [], serve },
      { id: 'rule-2', conditions: [], serve },
      { conditions: [], serve },
      { id: 'staff', conditions: [], serve },
      { conditions: [], serve },
    ]);
    expect(rules.map((r) => r.id)).toEqual(['rule-1', 'rule-2', 'rule-3', 'staff', 'rule-4']);
  });

  it('gives the same input the same ids, and leaves a list that has them all untouched', () => {
    const input = [
      { conditions: [], serve },
      { conditions: [], serve },
    ];
    expect(withRuleIds(input)).toEqual(withRuleIds(input));
    const named = [{ id: 'a', conditions: [], serve }];
    expect(withRuleIds(named)).toBe(named);
  });

  it('puts the id first, where a client writing it would', () => {
    expect(Object.keys(withRuleIds([{ conditions: [], serve }])[0]!)).toEqual(['id', 'conditions', 'serve']);
  });
});
