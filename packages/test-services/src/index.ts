export { startPostgres } from './postgres.js';
export type { CreateDatabaseOptions, PostgresOptions, PostgresService } from './postgres.js';
export { startRedis } from './redis.js';
export type { RedisOptions, RedisService } from './redis.js';
export { findFreePort } from './free-port.js';
