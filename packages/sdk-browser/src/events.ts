/**
 * Evaluation counts and `track()` events, sent in batches to `POST /api/sdk/events` (the
 * Node SDK's payload) every `flushInterval`, and with `keepalive` when the page is hidden
 * so the last batch survives the tab closing. A batch that failed for a reason retrying
 * can fix (network, 401/403, 408, 429, 5xx) keeps its events for the next one (at most
 * MAX_QUEUE); its counts are dropped.
 */
import type { EvaluationContext } from '@switchboard/core';
import { error, type SwitchboardError } from './errors.js';

export interface TrackedEvent {
  name: string;
  userId?: string;
  /** The context without `userId`; absent when empty. */
  context?: EvaluationContext;
  value?: number;
  timestamp: number;
}

export interface Recorder {
  count(flag: string, variant: string | undefined): void;
  track(event: TrackedEvent): void;
  flush(keepalive?: boolean): Promise<void>;
  close(): Promise<void>;
}

export const SDK = { name: '@switchboard/browser', version: '0.1.0' };
const MAX_QUEUE = 500;

export function createRecorder(url: string, key: string, get: typeof fetch, flushInterval: number, report: (e: SwitchboardError) => void): Recorder {
  let counts: Record<string, number> = {};
  let events: TrackedEvent[] = [];
  let start = Date.now();
  const doc = typeof document == 'object' ? document : undefined;

  const flush = async (keepalive?: boolean): Promise<void> => {
    const keys = Object.keys(counts);
    if (!keys.length && !events.length) return;
    const now = Date.now();
    const evaluations = keys.map((k) => {
      const [flag, variant] = k.split('\0');
      return { flag, variant: variant || null, count: counts[k], windowStart: start, windowEnd: now };
    });
    const batch = events;
    counts = {};
    events = [];
    start = now;
    try {
      const res = await get(url + '/api/sdk/events', {
        method: 'POST',
        headers: { authorization: 'Bearer ' + key, 'content-type': 'application/json' },
        body: JSON.stringify({ sdk: SDK, evaluations, events: batch }),
        keepalive,
      });
      if (res.status > 299) throw error('EVENTS', 'HTTP ' + res.status, res.status);
    } catch (e) {
      const s = (e as SwitchboardError).status!;
      if (!(s < 500 && s !== 408 && s !== 429 && s !== 401 && s !== 403)) events = batch.concat(events).slice(-MAX_QUEUE);
      report(error('EVENTS', String(e), s));
    }
  };

  const onHide = (): void => {
    if (doc!.visibilityState === 'hidden') void flush(true);
  };
  const timer = setInterval(flush, flushInterval);
  doc?.addEventListener('visibilitychange', onHide);

  return {
    count(flag, variant) {
      const k = flag + '\0' + (variant ?? '');
      counts[k] = (counts[k] ?? 0) + 1;
    },
    track(event) {
      if (events.push(event) > MAX_QUEUE) events.shift();
    },
    flush,
    close() {
      clearInterval(timer);
      doc?.removeEventListener('visibilitychange', onHide);
      return flush(true);
    },
  };
}
