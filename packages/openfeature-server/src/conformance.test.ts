import { describe, it } from 'vitest';
import {
  checkoutFlag,
  providerConformanceCases,
  type ConformanceBackend,
  type ConformanceHarness,
} from '@switchboard/core/openfeature-conformance';
import type { Snapshot } from '@switchboard/core';
import { createClient, type ClientOptions, type SwitchboardClient } from '@switchboard/node';
import { startProtocolServer, type ProtocolServer } from '@switchboard/node/testing';
import { SwitchboardProvider } from './index.js';

const silentLogger = { debug() {}, info() {}, warn() {}, error() {} };
const servers = new WeakMap<ConformanceBackend, ProtocolServer>();
// A new one each time: the protocol server changes the snapshot it is given in place.
const snapshot = (): Snapshot => ({
  schemaVersion: 1,
  environment: 'production',
  revision: 1,
  flags: { checkout: checkoutFlag() },
  segments: {},
});

function clientOptions(backend: ConformanceBackend, bootstrap = false): ClientOptions {
  const server = servers.get(backend)!;
  return {
    url: server.url,
    key: server.key,
    logger: silentLogger,
    backoff: { initial: 20, max: 100 },
    events: false,
    ...(bootstrap ? { bootstrap: snapshot() } : {}),
  };
}

/** The shared cases over the Node SDK and a protocol server on a real socket. */
const harness: ConformanceHarness<SwitchboardProvider, SwitchboardClient> = {
  async startBackend() {
    const server = await startProtocolServer({ snapshot: snapshot() });
    const backend: ConformanceBackend = {
      goDown: () => server.kill(),
      comeBack: () => server.restart(),
      dropStreams: () => server.endStreams(),
      setFlag: (flag) => void server.setFlag(flag),
      refuseKey: () => void (server.overrides.stream = server.overrides.flags = { status: 401 }),
      silence: () => void (server.silent = true),
      close: () => server.stop(),
    };
    servers.set(backend, server);
    return backend;
  },
  createClient: (backend, options = {}) => createClient(clientOptions(backend, options.bootstrap)),
  createProvider(target, options = {}) {
    const { bootstrap, ...settings } = options;
    return new SwitchboardProvider(
      'client' in target ? { client: target.client, ...settings } : { ...clientOptions(target.backend, bootstrap), ...settings },
    );
  },
  clientOf: (provider) => provider.client,
  resolveBoolean: (provider, flagKey, defaultValue) => provider.resolveBooleanEvaluation(flagKey, defaultValue, {}),
  activeTimers: () => process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length,
};

describe('provider conformance (the cases openfeature-web runs too)', () => {
  it.each(providerConformanceCases.map((c) => [c.name, c] as const))('%s', (_name, c) => c.run(harness));
});
