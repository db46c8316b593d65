import { describe, expect, it } from 'vitest';
import { WriteGate } from './write-gate.js';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('WriteGate', () => {
  it('runs at most `max` tasks at once, queues a bounded number, refuses the rest with 503', async () => {
    const gate = new WriteGate(2, 1);
    const started: number[] = [];
    const blockers = [deferred(), deferred(), deferred()];
    const run = (i: number) =>
      gate.run(async () => {
        started.push(i);
        await blockers[i]!.promise;
        return i;
      });
    const first = run(0);
    const second = run(1);
    const third = run(2);
    await expect(gate.run(async () => 3)).rejects.toMatchObject({ code: 'UNAVAILABLE', status: 503, headers: { 'retry-after': '5' } });
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    blockers[0]!.resolve();
    expect(await first).toBe(0);
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([0, 1, 2]);
    blockers[1]!.resolve();
    blockers[2]!.resolve();
    expect(await Promise.all([second, third])).toEqual([1, 2]);
    // Free again, and a failing task releases its slot.
    await expect(gate.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await Promise.all([gate.run(async () => 'a'), gate.run(async () => 'b'), gate.run(async () => 'c')])).toEqual(['a', 'b', 'c']);
  });
});
