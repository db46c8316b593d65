import { describe, expect, it } from 'vitest';
import { EVENT_CONTEXT_LIMITS, eventContext } from './events-payload.js';

describe('eventContext', () => {
  it('keeps what the events endpoint takes and leaves out the rest, attribute by attribute', () => {
    const tags = ['a', 1, true, null];
    const context = {
      plan: 'pro',
      age: 42,
      beta: false,
      gone: null,
      tags,
      address: { city: 'Berlin' },
      big: 10n,
      nan: Number.NaN,
      long: 'x'.repeat(EVENT_CONTEXT_LIMITS.string + 1),
      longList: Array.from({ length: EVENT_CONTEXT_LIMITS.array + 1 }, () => 1),
      nested: [['a']],
      ['n'.repeat(EVENT_CONTEXT_LIMITS.name + 1)]: 'x',
      fn: () => 1,
    };
    const kept = eventContext(context)!;
    expect(kept).toEqual({ plan: 'pro', age: 42, beta: false, gone: null, tags: ['a', 1, true, null] });
    // A copy: later changes to the caller's objects don't reach the queued event.
    tags.push('later');
    expect(kept.tags).toEqual(['a', 1, true, null]);
  });

  it('keeps the first attributes up to the limit, and nothing when none fit', () => {
    const many = Object.fromEntries(Array.from({ length: EVENT_CONTEXT_LIMITS.attributes + 5 }, (_, i) => [`a${i}`, i]));
    expect(Object.keys(eventContext(many)!)).toHaveLength(EVENT_CONTEXT_LIMITS.attributes);
    expect(eventContext({})).toBeUndefined();
    expect(eventContext({ only: { nested: true } })).toBeUndefined();
  });
});
