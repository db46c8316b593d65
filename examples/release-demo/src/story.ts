/**
 * The story, against any Switchboard server: a new checkout path ships dark, rolls out by
 * a release plan, fails for its treatment arm and is rolled back by the plan's guard with
 * nobody watching; then a scheduled change turns the fix on at a quiet hour.
 */
import { createAdminClient, isApiError, type AdminClient } from '@switchboard/api-client';
import { createClient, type SwitchboardClient } from '@switchboard/node';
import { startCheckout, type Checkout } from './checkout.js';
import { startLoad, type Load } from './load.js';

export interface StoryOptions {
  /** The Switchboard server. */
  url: string;
  /** An admin key (or the server's ADMIN_TOKEN). */
  adminToken: string;
  environment: string;
  /** Seconds each stage of the plan runs before the next. */
  stageSec: number;
  /** Distinct users the load generator checks out as. */
  users: number;
  /** Units per arm before the guard may decide. */
  minUnits: number;
  /** When the fix is turned on, asked once the plan has ended: an RFC 3339 instant or a wall time in a zone. */
  quietHour: () => string | { local: string; timeZone: string };
  /** Give up after this long, ms. */
  timeoutMs: number;
  /** The SDK's upload interval, ms. */
  flushIntervalMs?: number;
  /** Share of the new path's requests that fail (the old path's: 1%). Default 5%. */
  bugErrorRate?: number;
  log?: (line: string) => void;
}

export interface PlanView {
  id: string;
  status: string;
  stage: number;
  stages: { percent: number }[];
  arms: Record<
    'treatment' | 'control',
    { variant: string; exposures: number; events: Record<string, { units: number; rate: number | null }> }
  >;
  decisions: { at: string; stage: number; action: string; reason: string; stats: unknown }[];
}

export interface StoryResult {
  plan: PlanView;
  scheduled: { status: string; runAt: string; appliedVersion: number | null };
  checkout: Checkout['counts'];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function ensureFlag(admin: AdminClient, key: string, description: string): Promise<void> {
  try {
    await admin.flags.create({ key, type: 'boolean', description, temporary: true });
  } catch (err) {
    if (!(isApiError(err) && err.status === 409)) throw err;
  }
}

export async function runStory(o: StoryOptions): Promise<StoryResult> {
  const log = o.log ?? (() => {});
  const admin = createAdminClient({ baseUrl: o.url, token: o.adminToken });
  const env = o.environment;
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${o.url}/api/admin${path}`, {
      method,
      headers: { authorization: `Bearer ${o.adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json()) as T & { error?: { message: string } };
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${json.error?.message ?? ''}`);
    return json;
  };

  // 1. The new path ships dark: the flag is on, serving "off" to everyone.
  await ensureFlag(admin, 'new-checkout', 'the rewritten checkout flow');
  await ensureFlag(admin, 'checkout-fix', 'the payment-provider fix for the new checkout');
  const config = await admin.configs.get('new-checkout', env);
  if (!config.enabled)
    await admin.configs.patch('new-checkout', env, { enabled: true, fallthrough: { variant: 'off' } }, { ifMatch: config.version });
  const { key } = await admin.apiKeys.create({ kind: 'server', environment: env, name: 'release-demo checkout' });
  log(`new-checkout ships dark in ${env}: on, serving "off" to everyone`);

  let flags: SwitchboardClient | undefined;
  let checkout: Checkout | undefined;
  let load: Load | undefined;
  try {
    flags = createClient({ url: o.url, key: key!, events: { flushInterval: o.flushIntervalMs ?? 1000 } });
    await flags.ready();
    checkout = await startCheckout({ flags, baseErrorRate: 0.01, bugErrorRate: o.bugErrorRate ?? 0.05 });
    load = startLoad({ url: checkout.url, users: o.users, concurrency: 8, pauseMs: 2 });
    log(`checkout service at ${checkout.url}, ${o.users} users checking out`);

    // 2. A release plan with an error guard: 5× the old path's errors must roll it back.
    // From 5%: a few thousand users put too few in a 1% arm for the guard to judge (it would hold the stage).
    const percents = [5, 25, 50, 100];
    await call('PUT', `/flags/new-checkout/environments/${env}/release-plan`, {
      variant: 'on',
      stages: percents.map((percent, i) => (i < percents.length - 1 ? { percent, minDurationSec: o.stageSec } : { percent })),
      guards: [{ event: '$error', metric: 'rate', worseWhen: 'higher', minUnits: o.minUnits, action: 'rollback' }],
    });
    log(`release plan started: ${percents.join(' → ')} %, ${o.stageSec} s per stage, guard: $error rate, roll back`);

    // 3. Nobody watches: the plan runs until it completes or its guard acts.
    const deadline = Date.now() + o.timeoutMs;
    let plan: PlanView;
    let seen = 0;
    for (;;) {
      plan = await call<PlanView>('GET', `/flags/new-checkout/environments/${env}/release-plan`);
      for (const d of plan.decisions.slice(seen)) log(`  ${d.at}  stage ${d.stage + 1}: ${d.action} (${d.reason})`);
      seen = plan.decisions.length;
      if (!['running', 'scheduled'].includes(plan.status)) break;
      if (Date.now() > deadline) throw new Error(`the plan is still ${plan.status} after ${o.timeoutMs} ms`);
      await sleep(200);
    }
    const arm = (a: PlanView['arms']['treatment']) =>
      `${a.variant}: ${a.exposures} users, ${((a.events.$error?.rate ?? 0) * 100).toFixed(1)}% with errors`;
    log(`plan ${plan.status} at stage ${plan.stage + 1}: ${arm(plan.arms.treatment)}; ${arm(plan.arms.control)}`);

    // 4. The fix goes on at a quiet hour, by a scheduled change.
    const scheduled = await admin.scheduledChanges.create('checkout-fix', env, {
      runAt: o.quietHour(),
      change: { enabled: true, fallthrough: { variant: 'on' } },
      comment: 'payment-provider fix, at a quiet hour',
    });
    log(`checkout-fix scheduled for ${scheduled.runAt}`);
    let applied = scheduled;
    while (applied.status === 'pending') {
      if (Date.now() > deadline) throw new Error('the scheduled change never ran');
      await sleep(200);
      applied = (await admin.scheduledChanges.list('checkout-fix', env)).scheduledChanges.find((c) => c.id === scheduled.id)!;
    }
    log(`checkout-fix ${applied.status} at ${applied.resolvedAt} (config version ${applied.appliedVersion})`);
    return {
      plan,
      scheduled: { status: applied.status, runAt: applied.runAt, appliedVersion: applied.appliedVersion },
      checkout: checkout.counts,
    };
  } finally {
    await load?.stop();
    await checkout?.close();
    await flags?.close();
  }
}
