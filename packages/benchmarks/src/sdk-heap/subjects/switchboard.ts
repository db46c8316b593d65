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
    setup:
      '`createClient({ offline: true, bootstrap })` with the flag document a server key receives; the client checks it and holds each flag compiled (`compileFlags` from `@switchboard/core`, the same path as a streamed `put`), one representation per flag with equal parts held once. Prebuilt results and rollouts without a rule id are interned process-wide, so the warm-up clients put them in the baseline: for these flags about 100 entries, roughly 40 KiB once per process, not per client',
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

/** The same client before any evaluation: evaluating should add nothing, as flags arrive compiled. */
export const switchboardHeldSubject: HeapSubjectFactory = async (specs) => {
  const subject = await switchboardSubject(specs);
  return {
    ...subject,
    id: 'switchboard-unevaluated',
    label: 'Switchboard, before any evaluation',
    setup:
      'the same client, never evaluated: flags are compiled as they arrive (prebuilt results, cumulative weights), not on first evaluation, so this row should match the first within measurement noise',
    serves: false,
    evaluateAll: async () => [],
  };
};
