import { createClient, type SwitchboardClient } from '@switchboard/node';
import { switchboardSnapshot } from '../../flag-set.js';
import { packageVersion } from '../../package-version.js';
import type { HeapSubjectFactory } from '../subject.js';

export const switchboardSubject: HeapSubjectFactory = async (specs) => {
  const json = JSON.stringify(switchboardSnapshot(specs));
  return {
    id: 'switchboard',
    label: 'Switchboard',
    source: `@switchboard/node ${packageVersion('@switchboard/node')}`,
    setup: '`createClient({ offline: true, bootstrap })` with the flag document a server key receives; the client checks and copies it (the same path as a streamed `put`)',
    serves: true,
    async create() {
      const client = createClient({ offline: true, bootstrap: JSON.parse(json) });
      await client.ready();
      return client;
    },
    async evaluateAll(client, keys, user) {
      const c = client as SwitchboardClient;
      return keys.map((k) => c.isEnabled(k, { userId: user.userId, country: user.country, plan: user.plan, email: user.email }));
    },
    async close(client) {
      await (client as SwitchboardClient).close();
    },
  };
};

/** The same client before any evaluation: what core's compiled flags add shows as the difference. */
export const switchboardHeldSubject: HeapSubjectFactory = async (specs) => {
  const subject = await switchboardSubject(specs);
  return {
    ...subject,
    id: 'switchboard-unevaluated',
    label: 'Switchboard, before any evaluation',
    setup:
      'the same client, never evaluated: `@switchboard/core` compiles a flag (prebuilt results, cumulative weights) on its first evaluation and keeps it while the flag object lives, so the difference to the first row is the compiled form',
    serves: false,
    evaluateAll: async () => [],
  };
};
