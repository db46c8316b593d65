import { compileFloor, floorEvaluate, type FloorStore } from '../floor.js';
import type { Implementation } from '../implementation.js';
import type { User } from '../scenarios.js';
import { createSnapshot } from '../switchboard-snapshot.js';

class FloorImplementation implements Implementation {
  readonly id = 'floor';
  readonly label = 'floor (hand-written)';
  readonly source = 'packages/benchmarks/src/evaluation/floor.ts';
  readonly role = 'floor' as const;
  readonly call = 'floorEvaluate(store, key, context, false)';
  private readonly store: FloorStore;
  private readonly contexts: Record<string, unknown>[];

  constructor(users: readonly User[]) {
    this.store = compileFloor(createSnapshot());
    this.contexts = users.map((u) => ({ userId: u.userId, country: u.country, plan: u.plan, email: u.email }));
  }

  evaluateUser(flagKey: string, index: number): boolean {
    return floorEvaluate(this.store, flagKey, this.contexts[index]!, false);
  }

  run(flagKey: string, count: number, cursor: number): number {
    const store = this.store;
    const contexts = this.contexts;
    const length = contexts.length;
    let i = cursor;
    let on = 0;
    for (let n = 0; n < count; n++) {
      if (floorEvaluate(store, flagKey, contexts[i]!, false)) on++;
      if (++i === length) i = 0;
    }
    return on;
  }

  async close(): Promise<void> {}
}

export async function createFloor(users: readonly User[]): Promise<Implementation> {
  return new FloorImplementation(users);
}
