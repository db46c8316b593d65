/**
 * The events routes' shapes are the API contract's (`@switchboard/api-contract`): what
 * SDKs send to `POST /api/sdk/events`, and the bounds the server checks each entry against.
 */
export {
  EVENT_INGEST_LIMITS as LIMITS,
  EvaluationSummary,
  EventsAccepted,
  EventsBody,
  EventsQuery,
  MetricsQuery,
  TrackedEvent,
  UnitSummary,
} from '@switchboard/api-contract';
