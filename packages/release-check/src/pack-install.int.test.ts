/**
 * What a user outside this repository gets: every public package packed with `pnpm pack`
 * (workspace: ranges rewritten to versions), the tarballs installed with npm into a temp
 * project outside the workspace (no workspace links; third-party deps from the registry),
 * then small apps run by plain `node` against a real server (`buildApp` on PGlite).
 */
import { execFile, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminClient } from '@switchboard/api-client';
import { buildApp, defaultConfig, type App } from '@switchboard/server';

const exec = promisify(execFile);
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const ADMIN_TOKEN = 'release-check-admin-token-0123456789ab';

/** The published packages, by folder; all are packed so their workspace deps resolve to tarballs too. */
const PUBLIC = [
  'packages/core',
  'packages/sdk-client',
  'packages/sdk-node',
  'packages/sdk-browser',
  'packages/react',
  'packages/openfeature-server',
  'packages/openfeature-web',
  'packages/api-contract',
  'packages/api-client',
  'packages/cli',
  'apps/server',
];

/** The environment a user's shell would have: none of pnpm's or npm's per-run variables. */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(npm_|pnpm_|PNPM_|NODE_OPTIONS$|VITEST|TURBO_)/i.test(k)) env[k] = v;
  return { ...env, ...extra };
}

/** pnpm as the one running this test (turbo → pnpm run), else the pinned version through npx. */
function pnpm(): [string, string[]] {
  const execpath = process.env.npm_execpath;
  // pnpm 12 ships as a native binary; older ones as a script for node.
  if (execpath && /pnpm/.test(execpath)) return /\.[cm]?js$/.test(execpath) ? [process.execPath, [execpath]] : [execpath, []];
  const pinned = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { packageManager: string }).packageManager;
  return ['npx', ['-y', pinned]];
}
const require = createRequire(import.meta.url);

let work: string;
let app: App;
let url: string;
let serverKey: string;
const tarballs = new Map<string, string>();
const descriptions = new Map<string, string>();

const PEERS: Record<string, string> = {
  // Peer dependencies, as a user adds them.
  react: '^19.0.0',
  '@openfeature/server-sdk': '^1.23.0',
  '@openfeature/web-sdk': '^1.10.0',
};

/**
 * A fresh project outside the workspace with every tarball as a dependency, installed by
 * `installer`. A tarball's dependency on another of ours (`@switchboard/core@0.1.0`, not
 * on the registry yet) is overridden to the tarball, never looked up on the registry.
 */
async function install(installer: 'npm' | 'pnpm'): Promise<string> {
  const project = join(work, `app-${installer}`);
  await mkdir(project);
  const dependencies: Record<string, string> = { ...PEERS };
  for (const [name, file] of tarballs) dependencies[name] = `file:${file}`;
  const manifest: Record<string, unknown> = { name: `pack-check-${installer}`, private: true, dependencies };
  if (installer === 'npm') {
    manifest.overrides = Object.fromEntries([...tarballs.keys()].map((name) => [name, `$${name}`]));
    await writeFile(join(project, 'package.json'), JSON.stringify(manifest, null, 2));
    await exec('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: project, env: userEnv(), maxBuffer: 16 << 20 });
  } else {
    await writeFile(join(project, 'package.json'), JSON.stringify(manifest, null, 2));
    // pnpm reads overrides from the project's pnpm-workspace.yaml; it also stops pnpm looking further up.
    const overrides = [...tarballs].map(([name, file]) => `  '${name}': 'file:${file}'`).join('\n');
    await writeFile(join(project, 'pnpm-workspace.yaml'), `overrides:\n${overrides}\n`);
    const [cmd, pre] = pnpm();
    await exec(cmd, [...pre, 'install', '--reporter=silent'], { cwd: project, env: userEnv(), maxBuffer: 16 << 20 });
  }
  return project;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'switchboard-pack-'));
  const packs = join(work, 'tarballs');
  const [cmd, pre] = pnpm();
  // The server's tarball carries the admin UI (its prepack copies it): built here into a folder of
  // our own, so a concurrent build of apps/admin (its test) can't be caught half-written.
  const adminUi = join(work, 'admin-ui');
  await exec(cmd, [...pre, 'exec', 'vite', 'build', '--outDir', adminUi, '--emptyOutDir', '--logLevel', 'error'], {
    cwd: join(ROOT, 'apps/admin'),
    env: userEnv(),
    maxBuffer: 16 << 20,
  });
  for (const dir of PUBLIC) {
    const pkg = JSON.parse(await readFile(join(ROOT, dir, 'package.json'), 'utf8')) as { name: string; description: string };
    descriptions.set(pkg.name, pkg.description);
    const before = new Set(await readdir(packs).catch(() => []));
    await exec(cmd, [...pre, 'pack', '--pack-destination', packs], {
      cwd: join(ROOT, dir),
      env: userEnv({ SWITCHBOARD_ADMIN_UI_DIST: adminUi }),
    });
    const added = (await readdir(packs)).filter((f) => !before.has(f));
    expect(added).toHaveLength(1);
    tarballs.set(pkg.name, join(packs, added[0]!));
  }

  const config = defaultConfig({ adminToken: ADMIN_TOKEN, logLevel: 'silent', adminRateLimitPerMinute: 0 });
  app = await buildApp(config, { logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const admin = createAdminClient({ baseUrl: url, token: ADMIN_TOKEN });
  await admin.flags.create({ key: 'pack-check', type: 'boolean', variants: { on: true, off: false } });
  const current = await admin.configs.get('pack-check', 'production');
  await admin.configs.patch(
    'pack-check',
    'production',
    {
      enabled: true,
      rules: [{ id: 'beta', conditions: [{ attribute: 'plan', operator: 'in', values: ['beta'] }], serve: { variant: 'on' } }],
      fallthrough: { variant: 'off' },
    },
    { ifMatch: current.version },
  );
  serverKey = (await admin.apiKeys.create({ kind: 'server', environment: 'production', name: 'pack-check' })).key!;
});

afterAll(async () => {
  await app?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((done) => probe.listen(0, '127.0.0.1', done));
  const { port } = probe.address() as AddressInfo;
  await new Promise((done) => probe.close(done));
  return port;
}

/**
 * Starts the packed server the way a user would (`npx @switchboard/server`, or its bin), on
 * the embedded database in a temp folder, and checks what a new user checks: ready, the
 * admin UI at /, the admin API with their token; then stops it with SIGTERM.
 */
async function runPackedServer(
  project: string,
  command: string,
  args: string[],
): Promise<{ ui: string; flags: unknown; exit: string; answersAfterExit: boolean }> {
  const port = await freePort();
  const dataDir = await mkdtemp(join(work, 'data-'));
  const child = spawn(command, args, {
    cwd: project,
    env: userEnv({ PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, ADMIN_TOKEN, LOG_LEVEL: 'warn' }),
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, signalled as a terminal's Ctrl-C would: npx doesn't pass signals on.
    detached: true,
  });
  const signalAll = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<string>((done) => child.once('exit', (code, signal) => done(signal ?? `code ${code}`)));
  const base = `http://127.0.0.1:${port}`;
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const ready = await fetch(`${base}/health/ready`).catch(() => undefined);
      if (ready?.ok) break;
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the packed server did not get ready:\n${output}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const ui = await (await fetch(`${base}/`, { headers: { accept: 'text/html' } })).text();
    const flags = await (await fetch(`${base}/api/admin/flags`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json();
    signalAll('SIGTERM');
    const exit = await exited;
    // The server itself may finish its graceful shutdown a moment after the wrapper.
    let answersAfterExit = true;
    for (let i = 0; i < 40 && answersAfterExit; i++) {
      answersAfterExit = await fetch(`${base}/health/live`).then(
        () => true,
        () => false,
      );
      if (answersAfterExit) await new Promise((r) => setTimeout(r, 250));
    }
    return { ui, flags, exit, answersAfterExit };
  } finally {
    signalAll('SIGKILL');
  }
}

async function runNode(project: string, file: string, source: string): Promise<string> {
  await writeFile(join(project, file), source);
  const { stdout } = await exec(process.execPath, [file], {
    cwd: project,
    env: userEnv({ SWITCHBOARD_URL: url, SWITCHBOARD_KEY: serverKey }),
  });
  return stdout;
}

describe('the packed tarballs', () => {
  it('hold dist, README, LICENSE and package.json with versions in place of workspace: ranges, and no sources or tests', async () => {
    for (const [name, file] of tarballs) {
      const { stdout } = await exec('tar', ['-tzf', file]);
      const entries = stdout.trim().split('\n');
      expect(entries, name).toEqual(expect.arrayContaining(['package/package.json', 'package/README.md', 'package/LICENSE']));
      expect(
        entries.some((e) => e.startsWith('package/dist/')),
        name,
      ).toBe(true);
      expect(
        entries.filter((e) => /\.test\.|test-support|\/src\/|tsbuildinfo/.test(e)),
        name,
      ).toEqual([]);
      const manifest = (await exec('tar', ['-xzOf', file, 'package/package.json'])).stdout;
      expect(manifest, name).not.toContain('workspace:');
      const pkg = JSON.parse(manifest) as { license?: string; types?: string; exports?: Record<string, unknown>; sideEffects?: unknown };
      expect(pkg.license, name).toBe('Apache-2.0');
      expect(pkg.types, name).toMatch(/^\.\/dist\/.+\.d\.ts$/);
      expect(entries, name).toContain(`package/${pkg.types!.slice(2)}`);
      expect(pkg.sideEffects, name).toBeDefined();
    }
  });
});

describe.each(['npm', 'pnpm'] as const)('the tarballs installed with %s outside the workspace', (installer) => {
  let project: string;
  beforeAll(async () => {
    project = await install(installer);
  });
  const appDir = (): string => project;

  it("resolve every package inside the app's node_modules, not through a link into the repository", async () => {
    const requireFromApp = createRequire(join(appDir(), 'package.json'));
    for (const name of tarballs.keys()) {
      const manifest = requireFromApp.resolve(`${name}/package.json`);
      // npm copies; pnpm links into its own node_modules/.pnpm. Either way, never into the repository.
      expect((await realpath(manifest)).startsWith(join(appDir(), 'node_modules') + sep), name).toBe(true);
      const installed = JSON.parse(await readFile(manifest, 'utf8')) as { description: string };
      expect(installed.description, name).toBe(descriptions.get(name));
    }
    // The SDK's own dependency on core is the tarball at the root: one copy, not a registry download.
    const fromNode = createRequire(await realpath(requireFromApp.resolve('@switchboard/node/package.json')));
    expect(await realpath(fromNode.resolve('@switchboard/core/package.json'))).toBe(
      await realpath(requireFromApp.resolve('@switchboard/core/package.json')),
    );
  });

  it('run an ESM app: the Node SDK and the OpenFeature server provider evaluate a flag from the real server; the browser packages load', async () => {
    const out = await runNode(
      appDir(),
      'app.mjs',
      `import { createClient } from '@switchboard/node';
import { OpenFeature } from '@openfeature/server-sdk';
import { SwitchboardProvider } from '@switchboard/openfeature-server';
import { createClient as createBrowserClient } from '@switchboard/browser';
import { FlagsProvider, useFlag } from '@switchboard/react';
import { SwitchboardWebProvider } from '@switchboard/openfeature-web';
import { evaluate } from '@switchboard/core';
import { createAdminClient } from '@switchboard/api-client';

const url = process.env.SWITCHBOARD_URL;
const key = process.env.SWITCHBOARD_KEY;
const flags = createClient({ url, key });
await flags.ready(10_000);
const beta = flags.variant('pack-check', { userId: 'u1', plan: 'beta' });
await OpenFeature.setProviderAndWait(new SwitchboardProvider({ url, key }));
const of = await OpenFeature.getClient().getBooleanDetails('pack-check', true, { targetingKey: 'u2', plan: 'free' });
console.log(JSON.stringify({
  beta: { value: beta.value, variant: beta.variant, reason: beta.reason },
  free: flags.isEnabled('pack-check', { userId: 'u2', plan: 'free' }),
  openfeature: { value: of.value, variant: of.variant, reason: of.reason },
  loaded: [createBrowserClient, FlagsProvider, useFlag, SwitchboardWebProvider, evaluate, createAdminClient].map((f) => typeof f),
}));
await OpenFeature.close();
await flags.close();
`,
    );
    expect(JSON.parse(out)).toEqual({
      beta: { value: true, variant: 'on', reason: 'TARGETING_MATCH' },
      free: false,
      openfeature: { value: false, variant: 'off', reason: 'DEFAULT' },
      loaded: ['function', 'function', 'function', 'function', 'function', 'function'],
    });
  });

  it('are ESM only: CommonJS reaches them only through Node 20.19+ require(esm), which our engines floor guarantees', async () => {
    const out = await runNode(
      appDir(),
      'app.cjs',
      `const { createClient } = require('@switchboard/node');
const flags = createClient({ url: process.env.SWITCHBOARD_URL, key: process.env.SWITCHBOARD_KEY });
flags.ready(10_000).then(async () => {
  console.log(JSON.stringify({ beta: flags.isEnabled('pack-check', { userId: 'u1', plan: 'beta' }) }));
  await flags.close();
});
`,
    );
    expect(JSON.parse(out)).toEqual({ beta: true });
  });

  it('type-check against their declarations: a consumer project on NodeNext resolution compiles, and a wrong call is an error', async () => {
    await writeFile(
      join(appDir(), 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', strict: true, noEmit: true, skipLibCheck: true, types: [] },
      }),
    );
    await writeFile(
      join(appDir(), 'check.mts'),
      `import { createClient } from '@switchboard/node';
import { createClient as createBrowserClient } from '@switchboard/browser';
import { useFlag } from '@switchboard/react';
import { SwitchboardProvider } from '@switchboard/openfeature-server';
import { SwitchboardWebProvider } from '@switchboard/openfeature-web';
import { createAdminClient } from '@switchboard/api-client';
const on: boolean = createClient({ url: 'http://x', key: 'k' }).isEnabled('f', 'u1');
const b: boolean = createBrowserClient({ url: 'http://x', key: 'k', context: { userId: 'u1' } }).isEnabled('f');
export { on, b, useFlag, SwitchboardProvider, SwitchboardWebProvider, createAdminClient };
// @ts-expect-error a number is not a flag key
createClient({ url: 'http://x', key: 'k' }).isEnabled(42);
`,
    );
    const tsc = require.resolve('typescript/bin/tsc');
    const result = await exec(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: appDir(), env: userEnv() }).catch(
      (err: { stdout: string }) => err,
    );
    expect(result.stdout).toBe('');
  });

  it('start the server from its tarball (`npx @switchboard/server`): the embedded database, the admin UI at /, the admin API', async () => {
    const [command, args] =
      installer === 'npm' ? ['npx', ['--no', '@switchboard/server']] : [join(appDir(), 'node_modules/.bin/switchboard-server'), []];
    const started = await runPackedServer(appDir(), command, args as string[]);
    expect(started.ui).toMatch(/<div id="root">/);
    expect(started.flags).toMatchObject({ flags: [] });
    // Its own graceful shutdown exits 0; npx, a wrapper, may itself end by the signal.
    expect(installer === 'npm' ? ['code 0', 'SIGTERM'] : ['code 0']).toContain(started.exit);
    expect(started.answersAfterExit).toBe(false);
  }, 120_000);

  it('run the CLI from node_modules/.bin: `switchboard flags list` lists the server flag', async () => {
    const { stdout } = await exec(join(appDir(), 'node_modules/.bin/switchboard'), ['flags', 'list', '--env', 'production'], {
      cwd: appDir(),
      env: userEnv({ SWITCHBOARD_URL: url, SWITCHBOARD_TOKEN: ADMIN_TOKEN }),
    });
    expect(stdout).toMatch(/^FLAG\s/);
    expect(stdout).toMatch(/pack-check\s+on\s/);
  });
});
