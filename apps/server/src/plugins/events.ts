/**
 * The events plugin: SDK evaluation counts and `track()` events, ingested by the SDK
 * routes, reported by the admin routes and pruned past their retention.
 */
import fp from 'fastify-plugin';
import { EventService, type EventServiceOptions } from '../modules/events/service.js';

declare module 'fastify' {
  interface FastifyInstance {
    events: EventService;
  }
}

export type EventsPluginOptions = Pick<EventServiceOptions, 'retentionDays' | 'maxConcurrentWrites' | 'maxEventNames' | 'clientMaxAgeMs'>;

export const eventsPlugin = fp<EventsPluginOptions>(
  async (app, opts) => {
    const { database, delivery, metrics } = app;
    const events = new EventService(() => database.readyDb(), {
      ...opts,
      flags: (environment) => delivery.views.get(environment)?.flags,
      metrics,
    });
    app.decorate('events', events);
  },
  { name: 'events', dependencies: ['db', 'metrics', 'delivery'] },
);
