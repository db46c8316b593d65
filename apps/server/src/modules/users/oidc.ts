/**
 * Sign-in with an OpenID Connect provider (authorization code flow with PKCE, state and
 * nonce). The provider's metadata is discovered on first use, so a provider that is down
 * at start does not stop the server.
 */
import * as oidc from 'openid-client';
import { eq, lt } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { oidcLogins } from '../../db/schema/index.js';
import { UnauthorizedError, UnavailableError } from '../../errors.js';

export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
}

const LOGIN_TTL_MS = 10 * 60_000;

export class OidcSignIn {
  private discovered: Promise<oidc.Configuration> | undefined;

  constructor(
    private readonly settings: OidcSettings,
    private readonly db: () => Database,
  ) {}

  private configuration(): Promise<oidc.Configuration> {
    this.discovered ??= oidc
      .discovery(new URL(this.settings.issuer), this.settings.clientId, this.settings.clientSecret, undefined, {
        // Plain http only when the issuer itself is configured so (a provider on localhost in development).
        execute: this.settings.issuer.startsWith('http://') ? [oidc.allowInsecureRequests] : [],
      })
      .catch((err: unknown) => {
        this.discovered = undefined;
        throw new UnavailableError(`The identity provider could not be reached: ${(err as Error).message}`);
      });
    return this.discovered;
  }

  /** Where to send the browser, and the state to bind to it (as a cookie) so the callback comes from the same browser. */
  async start(redirectUri: string): Promise<{ url: string; state: string }> {
    const config = await this.configuration();
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const db = this.db();
    await db.delete(oidcLogins).where(lt(oidcLogins.expiresAt, new Date()));
    await db.insert(oidcLogins).values({ state, nonce, codeVerifier, expiresAt: new Date(Date.now() + LOGIN_TTL_MS) });
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid email profile',
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return { url: url.href, state };
  }

  /** Exchanges the code (checking state, nonce and PKCE) and answers who signed in. */
  async finish(callbackUrl: URL, state: string): Promise<{ issuer: string; subject: string; email?: string; emailVerified: boolean }> {
    const config = await this.configuration();
    const [login] = await this.db().delete(oidcLogins).where(eq(oidcLogins.state, state)).returning();
    if (!login || login.expiresAt.getTime() < Date.now())
      throw new UnauthorizedError('This sign-in expired or was already used; sign in again');
    let tokens;
    try {
      tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
        pkceCodeVerifier: login.codeVerifier,
        expectedState: state,
        expectedNonce: login.nonce,
        idTokenExpected: true,
      });
    } catch (err) {
      throw new UnauthorizedError(`The identity provider did not confirm the sign-in: ${(err as Error).message}`);
    }
    const claims = tokens.claims()!;
    let profile: Record<string, unknown> = claims;
    // Providers that follow the spec to the letter answer scope claims from userinfo only, not in the ID token.
    if (typeof claims.email !== 'string') {
      try {
        profile = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
      } catch (err) {
        throw new UnauthorizedError(`The identity provider did not answer who signed in: ${(err as Error).message}`);
      }
    }
    return {
      issuer: config.serverMetadata().issuer,
      subject: claims.sub,
      email: typeof profile.email === 'string' ? profile.email : undefined,
      emailVerified: profile.email_verified === true,
    };
  }
}
