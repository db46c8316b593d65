/**
 * `POST /api/sdk/events` with unit summaries: validated entry by entry on the real app
 * (embedded PGlite), and handed to the release plans' `arms` once a batch is accepted.
 */
import Fastify from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorBody, EventsAccepted } from '@switchboard/api-contract';
import { UNIT_LIMITS, unitId, type TrackedEvent, type UnitSummary } from '@switchboard/core';
import type { App } from '../../app.js';
import { Metrics } from '../../plugins/metrics.js';
import type { Principal } from '../api-keys/key-verifier.js';
import { testApp } from '../../test-support/app.js';
import { createFlag, createKey, http, type Http } from '../../test-support/http.js';
import { eventIngestRoutes, type ArmsIngest } from './ingest-routes.js';
import type { EventService, Ingested } from './service.js';

const SDK = { name: '@switchboard/node', version: '0.1.0' };
const EVENTS = '/api/sdk/events';

const summary = (flag: string, variant: string, units: string[] = [unitId('u1'), unitId('u2')]): UnitSummary => {
  const now = Date.now();
  return { flag, variant, units, windowStart: now - 10_000, windowEnd: now };
};
const batch = (parts: { units?: unknown[]; events?: unknown[] }) => ({
  sdk: SDK,
  evaluations: [],
  events: parts.events ?? [],
  units: parts.units,
});

describe('unit summaries on the events route', () => {
  let app: App;
  let api: Http;
  let serverKey: string;
  let clientKey: string;

  beforeAll(async () => {
    app = await testApp();
    api = http(app);
    await createFlag(api, 'units-ramp');
    await createFlag(api, 'units-web', { clientSide: true });
    serverKey = (await createKey(api, 'server', 'production')).key;
    clientKey = (await createKey(api, 'client', 'production')).key;
  });

  afterAll(async () => {
    await app?.close();
  });

  it('takes good summaries, drops unknown flags and variants, and refuses bad ones by path without costing the batch', async () => {
    const res = await api.post(
      EVENTS,
      batch({
        units: [
          summary('units-ramp', 'on'),
          { ...summary('units-ramp', 'off', []), more: 40 },
          summary('units-nope', 'on'),
          summary('units-ramp', 'maybe'),
          summary('units-ramp', 'on', ['NOTHEX00']),
          summary(
            'units-ramp',
            'on',
            Array.from({ length: UNIT_LIMITS.perVariant + 1 }, (_, i) => i.toString(16).padStart(8, '0')),
          ),
        ],
        events: [{ name: 'units-buy', timestamp: Date.now(), variants: { 'units-ramp': 'on' }, units: { 'units-ramp': unitId('u1') } }],
      }),
      { key: serverKey },
    );
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({
      accepted: { evaluations: 0, events: 1, units: 2 },
      expired: { evaluations: 0, events: 0, units: 0 },
      dropped: { evaluations: 0, events: 0, units: 2 },
      invalid: { evaluations: 0, events: 0, units: 2 },
      rejected: [
        { path: '/units/4/units/0', reason: 'has characters not allowed here' },
        { path: '/units/5/units', reason: expect.stringMatching(/10000/) },
      ],
    });
  });

  it('answers without unit tallies when a batch has none, as before', async () => {
    const res = await api.post(EVENTS, batch({ events: [{ name: 'units-buy', timestamp: Date.now() }] }), { key: serverKey });
    expect(res.statusCode).toBe(202);
    expect(res.json().accepted).toEqual({ evaluations: 0, events: 1 });
  });

  it("doesn't let a client key report units of a server-only flag", async () => {
    const res = await api.post(EVENTS, batch({ units: [summary('units-web', 'on'), summary('units-ramp', 'on')] }), { key: clientKey });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ accepted: { units: 1 }, dropped: { units: 1 } });
  });

  it('refuses a batch of more than UNIT_LIMITS.summaries summaries as a whole, naming the field', async () => {
    const units = Array.from({ length: UNIT_LIMITS.summaries + 1 }, () => summary('units-ramp', 'on', []));
    const res = await api.post(EVENTS, batch({ units }), { key: serverKey });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.field).toBe('units');
  });
});

describe('arms', () => {
  const principal: Principal = {
    kind: 'server',
    keyId: 'key-1',
    userId: null,
    name: 'server key',
    environment: 'production',
    role: 'viewer',
    environments: null,
  };
  const units = [summary('ramp', 'on')];
  const events = [{ name: '$error', timestamp: Date.now(), variants: { ramp: 'on' }, units: { ramp: unitId('u1') } }];
  const answer = (n: { units: number; events: number }): EventsAccepted => ({
    accepted: { evaluations: 0, ...n },
    expired: { evaluations: 0, events: 0 },
    dropped: { evaluations: 0, events: 0 },
    invalid: { evaluations: 0, events: 0 },
    rejected: [],
  });

  /** The route alone, over a service that answers `ingested`: what is under test is what the route does with it. */
  async function route(ingested: Ingested, arms: ArmsIngest | undefined) {
    const logs: string[] = [];
    const app = Fastify({ logger: { level: 'error', stream: { write: (line: string) => void logs.push(line) } } });
    const typed = app.withTypeProvider<TypeBoxTypeProvider>();
    typed.addSchema(ErrorBody);
    typed.addSchema(EventsAccepted);
    typed.decorate('metrics', new Metrics(false));
    typed.decorateRequest('principal', null);
    typed.addHook('onRequest', async (request) => {
      request.principal = principal;
    });
    const service = { ingest: async () => ingested } as unknown as EventService;
    await typed.register(eventIngestRoutes, { events: service, arms, rateLimitPerMinute: 0, keyRateLimitPerMinute: 0, bodyLimit: 1 << 20 });
    const res = await typed.inject({ method: 'POST', url: '/events', payload: batch({}) });
    await app.close();
    return { res, logs };
  }

  it("gets the accepted units and stored events with the key's environment, after the batch is stored", async () => {
    const calls: [string, UnitSummary[], TrackedEvent[]][] = [];
    const ingested = { answer: answer({ units: 1, events: 1 }), units, events };
    const { res } = await route(ingested, { ingest: async (...args) => void calls.push(args) });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual(ingested.answer);
    expect(calls).toEqual([['production', units, events]]);
  });

  it('is not called for a batch with neither', async () => {
    const calls: unknown[] = [];
    const { res } = await route(
      { answer: answer({ units: 0, events: 0 }), units: [], events: [] },
      { ingest: async (...args) => void calls.push(args) },
    );
    expect(res.statusCode).toBe(202);
    expect(calls).toEqual([]);
  });

  it('failing never fails the upload: logged, and the answer stands', async () => {
    const ingested = { answer: answer({ units: 1, events: 0 }), units, events: [] };
    const { res, logs } = await route(ingested, {
      ingest: async () => {
        throw new Error('release store down');
      },
    });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual(ingested.answer);
    expect(logs.join('')).toContain('release store down');
  });
});
