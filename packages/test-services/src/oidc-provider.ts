/**
 * A real OpenID Connect provider (the `oidc-provider` package) running in-process on a
 * local port, with its development sign-in form: any account id signs in, and its claims
 * come from `accounts`. Tests drive it over HTTP (oidcSignIn below) or in Chromium.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

export interface OidcAccount {
  email: string;
  emailVerified?: boolean;
}

export interface OidcProviderHandle {
  issuer: string;
  clientId: string;
  clientSecret: string;
  stop(): Promise<void>;
}

/** `port`: when the relying party must know the issuer before the provider starts (see findFreePort); any free one otherwise. */
export async function startOidcProvider(redirectUri: string, accounts: Record<string, OidcAccount>, port = 0): Promise<OidcProviderHandle> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientId = 'switchboard-admin';
  const clientSecret = 'switchboard-test-secret-0123456789';
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    async findAccount(_ctx, sub) {
      const account = accounts[sub];
      if (!account) return undefined;
      return { accountId: sub, claims: async () => ({ sub, email: account.email, email_verified: account.emailVerified ?? true }) };
    },
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true } },
  });
  // A provider error reaches the test as a failed sign-in; logging it too would only add noise.
  provider.on('server_error', () => {});
  const handle = provider.callback();
  server.on('request', (req, res) => void handle(req, res));
  return {
    issuer,
    clientId,
    clientSecret,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The `action` of the provider's form on a page. */
function formAction(html: string, base: string): string {
  const match = /<form[^>]*action="([^"]+)"/.exec(html);
  if (!match) throw new Error(`no form on the provider's page: ${html.slice(0, 200)}`);
  return new URL(match[1]!.replaceAll('&amp;', '&'), base).href;
}

/**
 * Walks a browser's path through the provider without a browser: from the provider's
 * authorization URL, signs in as `accountId`, consents, and answers the redirect to the
 * relying party's callback (with code and state).
 */
export async function oidcSignIn(authorizationUrl: string, accountId: string): Promise<string> {
  const jar = new Map<string, string>();
  const remember = (res: Response) => {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      jar.set(pair!.slice(0, at), pair!.slice(at + 1));
    }
  };
  const cookies = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  let url = authorizationUrl;
  let form: Record<string, string> | null = null;
  const issuerOrigin = new URL(authorizationUrl).origin;
  for (let step = 0; step < 12; step++) {
    const res = await fetch(url, {
      method: form ? 'POST' : 'GET',
      headers: { cookie: cookies(), ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      body: form ? new URLSearchParams(form).toString() : undefined,
      redirect: 'manual',
    });
    remember(res);
    form = null;
    if (res.status >= 300 && res.status < 400) {
      const next = new URL(res.headers.get('location')!, url).href;
      if (new URL(next).origin !== issuerOrigin) return next;
      url = next;
      continue;
    }
    const html = await res.text();
    if (res.status !== 200) throw new Error(`provider answered ${res.status}: ${html.slice(0, 300)}`);
    url = formAction(html, url);
    form = html.includes('name="login"') ? { prompt: 'login', login: accountId, password: 'any' } : { prompt: 'consent' };
  }
  throw new Error('the provider never redirected back');
}
