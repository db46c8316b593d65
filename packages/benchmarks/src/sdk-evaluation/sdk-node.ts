import { createClient, type SwitchboardClient } from '@switchboard/node';
import type { EvaluationContext } from '@switchboard/core';
import type { Implementation } from '../evaluation/implementation.js';
import type { User } from '../evaluation/scenarios.js';
import { createSnapshot } from '../evaluation/switchboard-snapshot.js';
import { packageVersion } from '../package-version.js';

/**
 * `isEnabled` through a `@switchboard/node` client holding the evaluation module's
 * snapshot, written out like the evaluation module's implementations (a hand loop per
 * implementation, so no call site is shared).
 */
class SdkNodeImplementation implements Implementation {
  readonly role = 'subject' as const;
  readonly call = 'client.isEnabled(key, context)';
  readonly source = `@switchboard/node ${packageVersion('@switchboard/node')}`;
  private readonly contexts: EvaluationContext[];

  constructor(
    readonly id: string,
    readonly label: string,
    private readonly client: SwitchboardClient,
    users: readonly User[],
  ) {
    this.contexts = users.map((u) => ({ userId: u.userId, country: u.country, plan: u.plan, email: u.email }));
  }

  evaluateUser(flagKey: string, index: number): boolean {
    return this.client.isEnabled(flagKey, this.contexts[index]!);
  }

  run(flagKey: string, count: number, cursor: number): number {
    const client = this.client;
    const contexts = this.contexts;
    const length = contexts.length;
    let i = cursor;
    let on = 0;
    for (let n = 0; n < count; n++) {
      if (client.isEnabled(flagKey, contexts[i]!)) on++;
      if (++i === length) i = 0;
    }
    return on;
  }

  async close(): Promise<void> {
    // The SDK's close deadline is an unref'd timer; with the stub fetch below nothing
    // else keeps the process alive while it waits, so hold it with a timer of our own.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.client.close(100), new Promise((resolve) => (timer = setTimeout(resolve, 200)))]);
    clearTimeout(timer);
  }
}

/** `createClient({ offline: true, bootstrap })`: what the target is about. */
export async function createOfflineSdk(users: readonly User[]): Promise<Implementation> {
  const client = createClient({ offline: true, bootstrap: createSnapshot() });
  await client.ready();
  return new SdkNodeImplementation('sdk-offline', '@switchboard/node, offline', client, users);
}

/**
 * A connected-style client (events on, so every evaluation is also counted for
 * `POST /api/sdk/events`) whose server never answers: its `fetch` is a stub that
 * settles only when aborted, and polling and uploads are hours apart. It serves the
 * bootstrap, so its evaluation path is the one a connected client runs.
 */
export async function createCountingSdk(users: readonly User[]): Promise<Implementation> {
  const hang: typeof fetch = (_input, init) =>
    new Promise((_resolve, reject) => {
      init?.signal?.addEventListener('abort', () => reject(init.signal!.reason));
    });
  const hour = 3_600_000;
  const client = createClient({
    url: 'http://127.0.0.1:9',
    key: 'sb_server_benchmark',
    bootstrap: createSnapshot(),
    fetch: hang,
    stream: false,
    pollInterval: hour,
    timeout: hour,
    events: { flushInterval: hour },
    logger: { debug() {}, info() {}, warn() {}, error() {} },
  });
  client.on('error', () => {});
  return new SdkNodeImplementation('sdk-counting', '@switchboard/node, counting evaluations', client, users);
}
