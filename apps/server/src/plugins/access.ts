/**
 * Route access: every admin route declares `config: { access: { permission, environment } }` (see
 * AccessDeclaration); a route without one is refused when it is registered (deny by default). One
 * preValidation hook checks the caller's role and environment scope; docs/decisions/roles-and-scopes.md.
 */
import fp from 'fastify-plugin';
import type { FastifyRequest, FastifySchema } from 'fastify';
import { ForbiddenError } from '../errors.js';
import type { Principal, Role } from '../modules/api-keys/key-verifier.js';

/** read: every role. kill: editors, and killers when the body only turns the flag off. edit: editors. admin: admins. */
export type Permission = 'read' | 'kill' | 'edit' | 'admin';

/**
 * Where the environment a call acts in comes from: a route parameter, a body field, or
 * 'all' (the call changes what every environment serves: scoped callers are refused) or
 * 'none' (no environment: a read, or a write that serves nothing until configured).
 */
export type EnvironmentSource = { param: string } | { body: string } | 'all' | 'none';

export interface AccessDeclaration {
  permission: Permission;
  environment: EnvironmentSource;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: AccessDeclaration;
  }
}

const GRANTS: Record<Role, ReadonlySet<Permission>> = {
  viewer: new Set(['read']),
  // A killer's kill depends on the body: see refusal().
  killer: new Set(['read']),
  editor: new Set(['read', 'kill', 'edit']),
  admin: new Set(['read', 'kill', 'edit', 'admin']),
};

/** The least role that holds a permission, to name in a 403. */
const LEAST_ROLE: Record<Permission, Role> = { read: 'viewer', kill: 'killer', edit: 'editor', admin: 'admin' };

/** Body fields a kill switch may carry besides `enabled: false`: the version it edits and why. */
const KILL_EXTRAS = new Set(['version', 'reason']);

function isKillSwitch(body: unknown): boolean {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  const record = body as Record<string, unknown>;
  return record.enabled === false && Object.keys(record).every((k) => k === 'enabled' || KILL_EXTRAS.has(k));
}

/** The environments a request acts in (null: none in particular; 'all': every one). */
function environmentOf(request: FastifyRequest, source: EnvironmentSource): string | null | 'all' {
  if (source === 'all' || source === 'none') return source === 'all' ? 'all' : null;
  const holder = ('param' in source ? request.params : request.body) as Record<string, unknown> | null | undefined;
  const value = holder?.['param' in source ? source.param : source.body];
  // A missing or malformed value is the schema's to refuse (400), after this hook.
  return typeof value === 'string' ? value : null;
}

/** Why the principal may not make this call, or null when it may. */
export function refusal(principal: Principal, access: AccessDeclaration, environment: string | null | 'all', body: unknown): string | null {
  const grants = GRANTS[principal.role];
  const allowed = grants.has(access.permission) || (access.permission === 'kill' && principal.role === 'killer' && isKillSwitch(body));
  if (!allowed) {
    const needed = access.permission === 'kill' && principal.role === 'killer' ? 'editor' : LEAST_ROLE[access.permission];
    const what = access.permission === 'kill' && principal.role === 'killer' ? ' (a killer may only send {"enabled": false})' : '';
    return `This needs the ${needed} role; the caller is ${principal.role}${what}`;
  }
  if (access.permission === 'read' || principal.environments === null || environment === null) return null;
  if (environment === 'all') {
    return `This changes every environment and needs access to all of them; the caller may act in ${list(principal.environments)} only`;
  }
  if (!principal.environments.includes(environment)) {
    return `This needs access to environment ${environment}; the caller may act in ${list(principal.environments)} only`;
  }
  return null;
}

function list(environments: string[]): string {
  return environments.length === 0 ? 'no environment' : environments.join(', ');
}

/** Registered inside the admin API, before its routes. */
export const accessPlugin = fp(
  async (app) => {
    app.addHook('onRoute', (route) => {
      // HEAD routes fastify adds for a GET inherit the GET's config.
      if (route.config?.access === undefined) {
        const method = Array.isArray(route.method) ? route.method.join(',') : route.method;
        throw new Error(`admin route ${method} ${route.url} declares no access (config.access); see plugins/access.ts`);
      }
      // Published in the OpenAPI document, where callers (and the auth matrix test) read what each operation needs.
      route.schema = { ...route.schema, 'x-access': route.config.access } as FastifySchema;
    });
    app.addHook('preValidation', async (request) => {
      const access = request.routeOptions.config.access;
      const principal = request.principal;
      // Authentication ran in onRequest; a route can only be here without a principal by a wiring mistake.
      if (!access || !principal) throw new ForbiddenError('This route declares no access');
      const reason = refusal(principal, access, environmentOf(request, access.environment), request.body);
      if (reason) throw new ForbiddenError(reason);
    });
  },
  { name: 'access' },
);

/** Why the principal may not hand out this role and scope (to a key or a person), or null: nobody grants more than they hold. */
export function grantRefusal(principal: Principal, role: Role, environments: string[] | null): string | null {
  if (principal.environments === null) return null;
  const outside = environments === null ? ['every environment'] : environments.filter((e) => !principal.environments!.includes(e));
  if (outside.length === 0) return null;
  return `The caller may act in ${list(principal.environments)} only and cannot grant ${role} in ${outside.join(', ')}`;
}
