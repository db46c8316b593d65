/**
 * Which environment the UI is in. The URL's `?env=` is the only truth: the picker writes
 * it, every page reads it, so a page can never show one environment while the picker says
 * another (docs/decisions/admin-environment.md).
 */
import { flagStatus } from './status';

/** What the UI needs to know about an environment to name it and to guard writes in it. */
export interface EnvironmentRef {
  key: string;
  name: string;
  /** Writes here reach real users: they ask first and the UI marks the environment everywhere. */
  protected?: boolean | undefined;
}

/** True when writes in `env` must be confirmed: the environment's own setting, never its name. */
export function isProtected(env: EnvironmentRef | undefined): boolean {
  return env?.protected === true;
}

export type ResolvedEnvironment =
  /** The URL names a known environment (or environments are not known yet, so it is trusted). */
  | { kind: 'current'; key: string }
  /** The URL names an environment that does not exist (deleted, renamed, mistyped). */
  | { kind: 'unknown'; key: string }
  /** The URL names none: go to `key` (replacing the URL), or wait while environments load. */
  | { kind: 'redirect'; key: string }
  | { kind: 'waiting' };

/**
 * The environment for this URL. Without `?env=`, the last one picked in this tab if it
 * still exists, else production, else the first.
 */
export function resolveEnvironment(input: {
  fromUrl: string | null;
  saved: string | null;
  environments: readonly { key: string }[];
  loaded: boolean;
}): ResolvedEnvironment {
  const { fromUrl, saved, environments, loaded } = input;
  const exists = (key: string | null): key is string => key !== null && environments.some((e) => e.key === key);
  if (fromUrl)
    return !loaded || environments.length === 0 || exists(fromUrl) ? { kind: 'current', key: fromUrl } : { kind: 'unknown', key: fromUrl };
  if (!loaded) return { kind: 'waiting' };
  if (exists(saved)) return { kind: 'redirect', key: saved };
  const fallback = environments.find((e) => e.key === 'production') ?? environments[0];
  // Nothing could be listed (the server failed): keep what this tab last used, so pages show their own errors.
  return { kind: 'redirect', key: fallback?.key ?? saved ?? 'production' };
}

/** `path` with `?env=` set to `env`, keeping its other parameters. */
export function withEnvironment(href: string, env: string): string {
  const q = href.indexOf('?');
  const path = q === -1 ? href : href.slice(0, q);
  const params = new URLSearchParams(q === -1 ? '' : href.slice(q + 1));
  params.set('env', env);
  return `${path}?${params.toString()}`;
}

export interface ArchiveImpact {
  /** Environments where the flag serves something other than its off variant, with its state there. */
  live: { environment: EnvironmentRef; state: string }[];
  /** Protected environments: archiving removes the flag from their SDK snapshots too. */
  protected: EnvironmentRef[];
}

/**
 * What archiving a flag does to running code: every SDK stops receiving it, so callers get
 * their code default instead of what the flag served. Null when nothing is on and no
 * environment is protected (archiving then asks nothing).
 */
export function archiveImpact(
  configs: Record<
    string,
    { enabled: boolean; offVariant: string; fallthrough: Parameters<typeof flagStatus>[0]['fallthrough']; rules: unknown[] }
  >,
  environments: readonly EnvironmentRef[],
): ArchiveImpact | null {
  const named = (key: string) => environments.find((e) => e.key === key) ?? { key, name: key };
  const live = Object.entries(configs)
    .filter(([, c]) => c.enabled)
    .map(([key, c]) => ({ environment: named(key), state: flagStatus({ ...c, ruleCount: c.rules.length }).label }));
  const prot = environments.filter((e) => isProtected(e) && configs[e.key] !== undefined);
  return live.length === 0 && prot.length === 0 ? null : { live, protected: prot };
}
