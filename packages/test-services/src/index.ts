export { startPostgres } from './postgres.js';
export type { CreateDatabaseOptions, PostgresOptions, PostgresService } from './postgres.js';
export { startRedis } from './redis.js';
export type { RedisOptions, RedisService } from './redis.js';
export { findFreePort } from './free-port.js';
export { oidcSignIn, startOidcProvider } from './oidc-provider.js';
export type { OidcAccount, OidcProviderHandle } from './oidc-provider.js';
