import { switchboardConfig, type FlagSpec } from '../flag-set.js';

/** The admin API of a running server, over real HTTP with the bootstrap admin token. */
export class AdminApi {
  constructor(
    readonly url: string,
    private readonly token: string,
  ) {}

  async request(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; headers: Headers; body: unknown }> {
    const res = await fetch(this.url + path, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text.length > 0 ? JSON.parse(text) : undefined;
    } catch {
      // not JSON
    }
    return { status: res.status, headers: res.headers, body: parsed };
  }

  async ok(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Record<string, unknown>> {
    const r = await this.request(method, path, body, headers);
    if (r.status >= 300) throw new Error(`${method} ${path} answered ${r.status}: ${JSON.stringify(r.body)}`);
    return r.body as Record<string, unknown>;
  }

  async createKey(kind: 'server' | 'client', environment: string): Promise<string> {
    const body = await this.ok('POST', '/api/admin/api-keys', { kind, environment, name: `benchmark-${kind}-${environment}` });
    return body.key as string;
  }

  /**
   * Creates each flag, then writes its config in `environment` (PUT at the version the
   * create answered). Two writes per flag, sequential, as an operator's script would.
   * Returns each flag's config version.
   */
  async createFlags(specs: readonly FlagSpec[], environment: string): Promise<Map<string, number>> {
    const versions = new Map<string, number>();
    for (const spec of specs) {
      const created = await this.ok('POST', '/api/admin/flags', {
        key: spec.key,
        type: 'boolean',
        variants: { on: true, off: false },
        tags: ['benchmark'],
      });
      const environments = created.environments as Record<string, { version: number }>;
      const version = environments[environment]!.version;
      const put = await this.ok('PUT', `/api/admin/flags/${spec.key}/environments/${environment}`, switchboardConfig(spec), {
        'if-match': `"${version}"`,
      });
      versions.set(spec.key, put.version as number);
    }
    return versions;
  }
}
