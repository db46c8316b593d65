import { evaluate, type EvaluationContext, type Snapshot } from '@switchboard/core';
import type { Implementation } from '../implementation.js';
import type { User } from '../scenarios.js';
import { createSnapshot } from '../switchboard-snapshot.js';
import { packageVersion } from '../../package-version.js';

class SwitchboardImplementation implements Implementation {
  readonly id = 'switchboard';
  readonly label = 'Switchboard core';
  readonly source = `@switchboard/core ${packageVersion('@switchboard/core')}`;
  readonly role = 'subject' as const;
  readonly call = 'evaluate(snapshot, key, context, false).value';
  private readonly snapshot: Snapshot;
  private readonly contexts: EvaluationContext[];

  constructor(users: readonly User[]) {
    this.snapshot = createSnapshot();
    this.contexts = users.map((u) => ({ userId: u.userId, country: u.country, plan: u.plan, email: u.email }));
  }

  evaluateUser(flagKey: string, index: number): boolean {
    return evaluate(this.snapshot, flagKey, this.contexts[index]!, false).value === true;
  }

  /** The full result, for the verifier's reason checks. */
  detail(flagKey: string, index: number) {
    return evaluate(this.snapshot, flagKey, this.contexts[index]!, false);
  }

  run(flagKey: string, count: number, cursor: number): number {
    const snapshot = this.snapshot;
    const contexts = this.contexts;
    const length = contexts.length;
    let i = cursor;
    let on = 0;
    for (let n = 0; n < count; n++) {
      if (evaluate(snapshot, flagKey, contexts[i]!, false).value === true) on++;
      if (++i === length) i = 0;
    }
    return on;
  }

  async close(): Promise<void> {}
}

export type { SwitchboardImplementation };

export async function createSwitchboard(users: readonly User[]): Promise<SwitchboardImplementation> {
  return new SwitchboardImplementation(users);
}
