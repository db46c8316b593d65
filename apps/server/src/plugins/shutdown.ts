/**
 * The shutdown order, before Fastify stops accepting and waits for connections: end the
 * SSE streams, stop the revision check, then close connections as they turn idle.
 */
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyInstance {
    /** Set when close begins; readiness reports it. */
    closing: boolean;
  }
}

const IDLE_SWEEP_INTERVAL_MS = 50;

export const shutdownPlugin = fp(
  async (app) => {
    app.decorate('closing', false);
    app.addHook('preClose', async () => {
      app.closing = true;
      // Streams end first: a revision check in progress may be waiting on an unreachable
      // database for seconds.
      app.delivery.close();
      await app.watcher.stop();
      // Node closes only the connections idle when close begins; those busy then (streams just
      // ended, requests in flight) would stay open for the keep-alive timeout, past the deadline.
      const sweep = setInterval(() => app.server.closeIdleConnections(), IDLE_SWEEP_INTERVAL_MS);
      sweep.unref();
      app.server.once('close', () => clearInterval(sweep));
    });
  },
  { name: 'shutdown', dependencies: ['delivery', 'revision-check'] },
);
