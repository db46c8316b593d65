/** A minimal SSE client for tests, over fetch streaming (what the browser SDK uses too). */

export interface SseEvent {
  event: string;
  id?: string;
  data: string;
  /** Set for `put`/`patch`. */
  json?: unknown;
}

export interface SseStream {
  status: number;
  headers: Headers;
  events: SseEvent[];
  comments: string[];
  retry?: number;
  /** Resolves with the first event (already received or future) matching `predicate`. */
  next(predicate: (e: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
  body?: string;
}

export async function openStream(url: string, key: string | undefined, headers: Record<string, string> = {}): Promise<SseStream> {
  const ac = new AbortController();
  const res = await fetch(url, {
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), accept: 'text/event-stream', ...headers },
    signal: ac.signal,
  });
  const events: SseEvent[] = [];
  const comments: string[] = [];
  const waiters: { predicate: (e: SseEvent) => boolean; resolve: (e: SseEvent) => void }[] = [];
  const stream: SseStream = {
    status: res.status,
    headers: res.headers,
    events,
    comments,
    next(predicate, timeoutMs = 5000) {
      const found = events.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no matching SSE event within ${timeoutMs} ms; got ${events.map((e) => e.event).join(',')}`)),
          timeoutMs,
        );
        waiters.push({
          predicate,
          resolve: (e) => {
            clearTimeout(timer);
            resolve(e);
          },
        });
      });
    },
    ended: Promise.resolve(),
    close: () => ac.abort(),
  };
  if (res.status !== 200 || !res.body) {
    stream.body = await res.text();
    return stream;
  }
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  stream.ended = (async () => {
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        let sep: number;
        while ((sep = buffer.indexOf('\n\n')) !== -1) {
          const block = buffer.slice(0, sep);
          buffer = buffer.slice(sep + 2);
          const event: SseEvent = { event: 'message', data: '' };
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim());
            else if (line.startsWith('event: ')) event.event = line.slice(7);
            else if (line.startsWith('id: ')) event.id = line.slice(4);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
            else if (line.startsWith('retry: ')) stream.retry = Number(line.slice(7));
          }
          if (data.length === 0) continue;
          event.data = data.join('\n');
          try {
            event.json = JSON.parse(event.data);
          } catch {
            // left as text
          }
          events.push(event);
          for (const w of [...waiters]) {
            if (w.predicate(event)) {
              waiters.splice(waiters.indexOf(w), 1);
              w.resolve(event);
            }
          }
        }
      }
    } catch {
      // aborted or reset
    }
  })();
  return stream;
}

/** A `patch` for `key` whose flag has `enabled === enabled`. */
export function patchOf(key: string, enabled?: boolean) {
  return (e: SseEvent): boolean => {
    if (e.event !== 'patch') return false;
    const data = e.json as { key?: string; flag?: { enabled?: boolean } | null };
    return data.key === key && (enabled === undefined || data.flag?.enabled === enabled);
  };
}

/** Matches only events received after the stream held `count` events (use `stream.events.length` before acting). */
export function after(stream: SseStream, count: number, predicate: (e: SseEvent) => boolean) {
  return (e: SseEvent): boolean => stream.events.indexOf(e) >= count && predicate(e);
}
