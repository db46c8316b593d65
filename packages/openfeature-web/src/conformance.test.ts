import { describe, it } from 'vitest';
import {
  checkoutFlag,
  providerConformanceCases,
  type ConformanceBackend,
  type ConformanceHarness,
} from '@switchboard/core/openfeature-conformance';
import { createClient, type ClientOptions, type ClientSnapshot, type SwitchboardClient } from '@switchboard/browser';
import { SwitchboardWebProvider } from './index.js';

const snapshot = (): ClientSnapshot => ({
  schemaVersion: 1,
  environment: 'production',
  revision: 1,
  flags: { checkout: checkoutFlag() },
  segments: {},
});

/**
 * The SDK protocol from memory, as a `fetch`: `GET /api/sdk/stream` (SSE), `GET
 * /api/sdk/flags` and `POST /api/sdk/events`. This package's tests have no Node types,
 * and the browser SDK takes its transport as `fetch`.
 */
function startBackend(): ConformanceBackend & { fetch: typeof fetch } {
  const encoder = new TextEncoder();
  const streams = new Set<ReadableStreamDefaultController<Uint8Array>>();
  let current = snapshot();
  let up = true;
  let status = 200;
  let silent = false;
  const send = (text: string): void => {
    for (const stream of streams) stream.enqueue(encoder.encode(text));
  };
  const endAll = (reason?: Error): void => {
    for (const stream of streams) {
      if (reason) stream.error(reason);
      else stream.close();
    }
    streams.clear();
  };
  const fetchFromMemory = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    if (!up) throw new TypeError('connection refused');
    if (status !== 200) return new Response(null, { status });
    const path = new URL(String(input)).pathname;
    if (path === '/api/sdk/flags') return Response.json(current);
    if (path !== '/api/sdk/stream') return new Response(null, { status: 202 });
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        controller = c;
        streams.add(c);
        if (!silent) c.enqueue(encoder.encode(`event: put\ndata: ${JSON.stringify(current)}\n\n`));
      },
      cancel() {
        streams.delete(controller);
      },
    });
    // What a real fetch does when its request is aborted mid-body.
    init?.signal?.addEventListener('abort', () => {
      if (streams.delete(controller)) controller.error(new DOMException('aborted', 'AbortError'));
    });
    return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
  };
  return {
    fetch: fetchFromMemory as typeof fetch,
    async goDown() {
      up = false;
      endAll(new TypeError('connection reset'));
    },
    async comeBack() {
      up = true;
    },
    dropStreams: () => endAll(),
    setFlag(flag) {
      current = { ...current, revision: current.revision + 1, flags: { ...current.flags, [flag.key]: flag } };
      send(`event: patch\ndata: ${JSON.stringify({ revision: current.revision, key: flag.key, flag })}\n\n`);
    },
    refuseKey: () => void (status = 401),
    silence: () => void (silent = true),
    async close() {
      up = false;
      endAll(new TypeError('connection reset'));
    },
  };
}

const fetches = new WeakMap<ConformanceBackend, typeof fetch>();

function clientOptions(backend: ConformanceBackend, bootstrap = false): ClientOptions {
  return {
    url: 'http://flags.test',
    key: 'client-key',
    fetch: fetches.get(backend)!,
    storage: false,
    events: false,
    backoff: { initial: 20, max: 100 },
    ...(bootstrap ? { bootstrap: snapshot() } : {}),
  };
}

/** The shared cases over the browser SDK, with the protocol served from memory. */
const harness: ConformanceHarness<SwitchboardWebProvider, SwitchboardClient> = {
  async startBackend() {
    const backend = startBackend();
    fetches.set(backend, backend.fetch);
    return backend;
  },
  createClient: (backend, options = {}) => createClient(clientOptions(backend, options.bootstrap)),
  createProvider(target, options = {}) {
    const { bootstrap, ...settings } = options;
    return new SwitchboardWebProvider(
      'client' in target ? { client: target.client, ...settings } : { ...clientOptions(target.backend, bootstrap), ...settings },
    );
  },
  clientOf: (provider) => provider.client,
  resolveBoolean: (provider, flagKey, defaultValue) => provider.resolveBooleanEvaluation(flagKey, defaultValue),
  activeTimers() {
    const { process } = globalThis as unknown as { process: { getActiveResourcesInfo(): string[] } };
    return process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;
  },
};

describe('provider conformance (the cases openfeature-server runs too)', () => {
  it.each(providerConformanceCases.map((c) => [c.name, c] as const))('%s', (_name, c) => c.run(harness));
});
