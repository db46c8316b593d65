/**
 * Measures one SDK's heap per client in a fresh process:
 * `node --expose-gc heap-worker.js <subject> <clients> <flags>`. It warms up with two
 * clients (module state, compiled code and shared structures then sit in the baseline),
 * takes the baseline after full GCs, creates and checks `clients` more, and reports the
 * heap growth per client over IPC. Every client is checked before it counts: each of
 * its flags evaluated for a few users and compared with what the flag means. Runs with
 * sockets and fetch fused off.
 */
import { setTimeout as pause } from 'node:timers/promises';
import { tether } from '../child-processes.js';
import { createFlagSpecs, expectedValue, probeUsers, type FlagSpec } from '../flag-set.js';
import { withoutNetwork } from '../network-fuse.js';
import type { HeapReport } from './protocol.js';
import type { HeapSubject } from './subject.js';
import { SUBJECTS } from './subjects/index.js';

tether();

const gc = (globalThis as { gc?: () => void }).gc;

async function settledHeap(): Promise<NodeJS.MemoryUsage> {
  if (!gc) throw new Error('run with --expose-gc');
  for (let i = 0; i < 3; i++) {
    gc(); // plain gc(): on Node 20 the { type: 'major' } form collects nothing
    await pause(50);
  }
  return process.memoryUsage();
}

const USERS = probeUsers(6);
const MISSING = 'no-such-flag-anywhere';

/** Evaluates every flag for every probe user; returns how many answers were checked. */
async function check(subject: HeapSubject, client: unknown, specs: readonly FlagSpec[]): Promise<number> {
  if (!subject.serves) return 0;
  const keys = [...specs.map((s) => s.key), MISSING];
  let checked = 0;
  for (const user of USERS) {
    const got = await subject.evaluateAll(client, keys, user);
    if (got.length !== keys.length) throw new Error(`${subject.label}: ${got.length} answers for ${keys.length} flags`);
    specs.forEach((spec, i) => {
      const expected = expectedValue(spec, user);
      if (expected === undefined) return;
      if (got[i] !== expected)
        throw new Error(`${subject.label}: ${spec.key} (${spec.kind}) is ${got[i]} for ${user.userId}, expected ${expected}`);
      checked++;
    });
    if (got[keys.length - 1] !== false) throw new Error(`${subject.label}: a flag that doesn't exist answered true`);
  }
  return checked;
}

/** Rollouts serve about their share: 25 rollout flags × 120 users, each within 20 points. */
async function checkRollouts(subject: HeapSubject, client: unknown, specs: readonly FlagSpec[]): Promise<string> {
  if (!subject.serves) return 'holds flags only';
  const rollouts = specs.filter((s) => s.kind === 'rollout').slice(0, 25);
  const users = Array.from({ length: 120 }, (_, i) => ({
    userId: `rollout-user-${i}`,
    country: 'ZZ',
    plan: 'free',
    email: `u${i}@nowhere.test`,
  }));
  const on = rollouts.map(() => 0);
  for (const user of users) {
    const got = await subject.evaluateAll(
      client,
      rollouts.map((s) => s.key),
      user,
    );
    got.forEach((v, i) => (on[i]! += v ? 1 : 0));
  }
  let worst = 0;
  rollouts.forEach((spec, i) => {
    const share = (100 * on[i]!) / users.length;
    const percent = spec.kind === 'rollout' ? spec.percent : 0;
    worst = Math.max(worst, Math.abs(share - percent));
    if (Math.abs(share - percent) > 20)
      throw new Error(`${subject.label}: rollout ${spec.key} at ${percent}% served ${share.toFixed(1)}% of ${users.length} users`);
  });
  return `${rollouts.length} rollouts × ${users.length} users, each within ${worst.toFixed(1)} points of its share`;
}

async function main(): Promise<void> {
  const [id, clientsArg, flagsArg] = process.argv.slice(2);
  const factory = SUBJECTS[id ?? ''];
  if (!factory) throw new Error(`unknown subject ${id}`);
  const clients = Number(clientsArg);
  const specs = createFlagSpecs(Number(flagsArg));
  process.env.NODE_ENV = 'production';
  const report = await withoutNetwork(`the heap benchmark (${id})`, async (): Promise<HeapReport> => {
    const subject = await factory(specs);
    const warm = [await subject.create(), await subject.create()];
    let checked = 0;
    for (const c of warm) checked += await check(subject, c, specs);
    const rolloutCheck = await checkRollouts(subject, warm[0], specs);
    const before = await settledHeap();
    const held: unknown[] = [];
    for (let k = 0; k < clients; k++) {
      const c = await subject.create();
      checked += await check(subject, c, specs);
      held.push(c);
    }
    const after = await settledHeap();
    const result: HeapReport = {
      id: subject.id,
      label: subject.label,
      source: subject.source,
      setup: subject.setup,
      serves: subject.serves,
      clients,
      heapPerClient: (after.heapUsed - before.heapUsed) / clients,
      externalPerClient: (after.external - before.external) / clients,
      checked,
      rolloutCheck,
    };
    for (const c of [...warm, ...held]) await subject.close(c);
    return result;
  });
  process.send!(report, () => process.exit(0));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
