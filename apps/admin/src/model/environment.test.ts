import { describe, expect, it } from 'vitest';
import { archiveImpact, isProtected, resolveEnvironment, withEnvironment } from './environment';
import { pageTitle } from './page-title';

const ENVS = [
  { key: 'development', name: 'Development', protected: false },
  { key: 'staging', name: 'Staging', protected: false },
  { key: 'live', name: 'Live', protected: true },
];

describe('isProtected', () => {
  it('reads the setting, never the name', () => {
    expect(isProtected({ key: 'live', name: 'Live', protected: true })).toBe(true);
    expect(isProtected({ key: 'prd', name: 'prd', protected: true })).toBe(true);
    expect(isProtected({ key: 'production', name: 'Production', protected: false })).toBe(false);
    expect(isProtected({ key: 'production', name: 'Production' })).toBe(false);
    expect(isProtected(undefined)).toBe(false);
  });
});

describe('resolveEnvironment', () => {
  it("takes the URL's environment when it exists", () => {
    expect(resolveEnvironment({ fromUrl: 'staging', saved: 'live', environments: ENVS, loaded: true })).toEqual({
      kind: 'current',
      key: 'staging',
    });
  });

  it('trusts the URL while the environments load, and when they could not be listed', () => {
    expect(resolveEnvironment({ fromUrl: 'staging', saved: null, environments: [], loaded: false })).toEqual({
      kind: 'current',
      key: 'staging',
    });
    expect(resolveEnvironment({ fromUrl: 'staging', saved: null, environments: [], loaded: true })).toEqual({
      kind: 'current',
      key: 'staging',
    });
  });

  it('says so when the URL names an environment that does not exist, instead of showing another', () => {
    expect(resolveEnvironment({ fromUrl: 'prod', saved: 'live', environments: ENVS, loaded: true })).toEqual({
      kind: 'unknown',
      key: 'prod',
    });
  });

  it('without one in the URL: waits for the list, then the last picked, production, or the first', () => {
    expect(resolveEnvironment({ fromUrl: null, saved: 'staging', environments: [], loaded: false })).toEqual({ kind: 'waiting' });
    expect(resolveEnvironment({ fromUrl: null, saved: 'staging', environments: ENVS, loaded: true })).toEqual({
      kind: 'redirect',
      key: 'staging',
    });
    expect(resolveEnvironment({ fromUrl: '', saved: 'gone', environments: ENVS, loaded: true })).toEqual({
      kind: 'redirect',
      key: 'development',
    });
    const withProduction = [...ENVS.map((e) => ({ key: e.key })), { key: 'production' }];
    expect(resolveEnvironment({ fromUrl: null, saved: null, environments: withProduction, loaded: true })).toEqual({
      kind: 'redirect',
      key: 'production',
    });
    expect(resolveEnvironment({ fromUrl: null, saved: 'qa', environments: [], loaded: true })).toEqual({ kind: 'redirect', key: 'qa' });
  });
});

describe('withEnvironment', () => {
  it('sets env and keeps the other parameters', () => {
    expect(withEnvironment('/flags', 'live')).toBe('/flags?env=live');
    expect(withEnvironment('/flags?tag=checkout&env=staging', 'live')).toBe('/flags?tag=checkout&env=live');
    expect(withEnvironment('/flags/a%2Fb?x=1', 'q a')).toBe('/flags/a%2Fb?x=1&env=q+a');
  });
});

describe('pageTitle', () => {
  it('tells routes apart, naming the environment where the page shows one', () => {
    const live = { name: 'Live', protected: true };
    expect(pageTitle('/flags', live)).toBe('Flags · Live (protected) · Switchboard');
    expect(pageTitle('/flags/new-checkout', { name: 'Staging' })).toBe('new-checkout · Staging · Switchboard');
    expect(pageTitle('/flags/new%20checkout', undefined)).toBe('new checkout · Switchboard');
    expect(pageTitle('/audit', live)).toBe('Audit log · Switchboard');
    expect(pageTitle('/segments', live)).toBe('Segments · Switchboard');
    expect(pageTitle('/nowhere', live)).toBe('Page not found · Switchboard');
    const all = ['/flags', '/segments', '/environments', '/api-keys', '/webhooks', '/audit', '/compare'].map((p) =>
      pageTitle(p, undefined),
    );
    expect(new Set(all).size).toBe(all.length);
  });
});

describe('archiveImpact', () => {
  const off = { enabled: false, offVariant: 'off', fallthrough: { variant: 'on' }, rules: [] };
  const rolling = {
    enabled: true,
    offVariant: 'off',
    fallthrough: {
      rollout: [
        { variant: 'on', weight: 25_000 },
        { variant: 'off', weight: 75_000 },
      ],
    },
    rules: [],
  };

  it('names every environment the flag is serving in, with its state, and the protected ones', () => {
    const impact = archiveImpact({ development: { ...off, enabled: true }, staging: rolling, live: off }, ENVS);
    expect(impact).toEqual({
      live: [
        { environment: ENVS[0], state: 'On' },
        { environment: ENVS[1], state: 'Rolling out 25%' },
      ],
      protected: [ENVS[2]],
    });
  });

  it('asks nothing when the flag is off everywhere and no environment is protected', () => {
    expect(archiveImpact({ development: off, staging: off }, ENVS.slice(0, 2))).toBeNull();
  });

  it('asks for a protected environment even when the flag is off there', () => {
    expect(archiveImpact({ development: off, live: off }, ENVS)).toEqual({ live: [], protected: [ENVS[2]] });
  });
});
