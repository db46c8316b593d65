import { describe, expect, it } from 'vitest';
import { EVENT_CONTEXT_LIMITS, EVENT_LIMITS, eventContext, eventText } from './events-payload.js';

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

describe('eventText', () => {
  it('takes 1 to max printable characters and nothing else', () => {
    expect(eventText('purchase', EVENT_LIMITS.name)).toBe(true);
    expect(eventText('é✓ 🎉', EVENT_LIMITS.name)).toBe(true);
    expect(eventText('x'.repeat(EVENT_LIMITS.flag), EVENT_LIMITS.flag)).toBe(true);
    expect(eventText('x'.repeat(EVENT_LIMITS.flag + 1), EVENT_LIMITS.flag)).toBe(false);
    expect(eventText('', EVENT_LIMITS.name)).toBe(false);
    for (const c of ['\u0000', '\n', '\u001f', '\u007f']) expect(eventText(`a${c}b`, EVENT_LIMITS.name)).toBe(false);
    expect(eventText(42, EVENT_LIMITS.name)).toBe(false);
    expect(eventText(undefined, EVENT_LIMITS.name)).toBe(false);
  });
});
