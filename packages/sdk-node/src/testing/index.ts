/**
 * `@switchboard/node/testing`: a stand-in Switchboard server for your tests. It speaks
 * the SDK protocol (SSE stream, ETag-polled snapshot, event upload) on 127.0.0.1 and
 * lets a test change flags, drop connections or misbehave, with no database.
 */
export { ProtocolServer, startProtocolServer, type ProtocolServerOptions, type RouteOverride } from './protocol-server.js';
