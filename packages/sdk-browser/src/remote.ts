/**
 * Flags the server evaluates for the page, because their targeting reads private
 * attributes: the projection holds stubs (`"remote": true`, no variants). This asks
 * `POST /api/sdk/evaluate` for them with the client's context and puts the documents it
 * answers (each serves the server's result) in their place. Loaded only by projections with stubs.
 */
import type { EvaluationContext, Flag } from '@switchboard/core';
import type { error as makeError, SwitchboardError } from './errors.js';
import type { ClientSnapshot } from './snapshot.js';

type Get = (path: string, init: RequestInit, headers?: Record<string, string> | null) => Promise<Response>;

/** The snapshot with its stubs resolved for the context (`current` is the one being served). */
export type Resolver = (next: ClientSnapshot, context: EvaluationContext, current: ClientSnapshot) => Promise<ClientSnapshot>;

/** A server-evaluated flag as held: `for` names the context it was resolved for ('' = ask again). */
type Held = Partial<Flag> & { remote?: unknown; for?: string };

const MAX_RETRY = 300_000;

/**
 * The main chunk passes in what it already has (`error`, its murmur3), so this chunk imports
 * no code and esbuild makes no shared chunk every page would load.
 */
export function createResolver(
  get: Get,
  report: (e: SwitchboardError) => void,
  retry: () => unknown,
  error: typeof makeError,
  hash: (text: string) => number,
): Resolver {
  let delay = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  return async (next, context, current) => {
    const id = hash(JSON.stringify(context)).toString(36);
    const held = next.flags as Record<string, Held>;
    const wanted = Object.keys(held).filter((k) => held[k]!.remote === true && (!held[k]!.variants || held[k]!.for !== id));
    if (!wanted.length) return next;
    const flags = { ...next.flags };
    clearTimeout(timer);
    try {
      const res = await get(
        'evaluate',
        { method: 'POST', body: JSON.stringify({ context, flags: wanted }), signal: AbortSignal.timeout?.(10_000) },
        { 'content-type': 'application/json' },
      );
      if (!res.ok) {
        const code = res.status == 401 || res.status == 403 ? 'UNAUTHORIZED' : 'HTTP_STATUS';
        throw error(code, 'HTTP ' + res.status, res.status, +res.headers.get('retry-after')! * 1000 || 0);
      }
      const answer = ((await res.json()) as { flags?: Record<string, Held> }).flags || {};
      for (const k of wanted) {
        const f = answer[k];
        // Not evaluable for this context (or gone): the stub, so the caller's default is served.
        flags[k] = (f?.variants ? { ...f, remote: true, for: id } : { ...held[k], variants: undefined }) as unknown as Flag;
      }
      delay = 0;
    } catch (e) {
      // Offline or refused: each flag keeps the last value this page had, marked to be asked
      // for again at the next update, and one is scheduled with growing delays.
      for (const k of wanted) {
        const last = [held[k], current.flags[k] as Held | undefined].find((f) => f?.variants);
        if (last) flags[k] = { ...last, for: '' } as Flag;
      }
      const f = (e as SwitchboardError | undefined)?.code ? (e as SwitchboardError) : error('NETWORK', e);
      report(f);
      delay = Math.min(delay * 2 || 5_000, MAX_RETRY);
      timer = setTimeout(retry, Math.max(delay, Math.min(f.retryAfter || 0, MAX_RETRY)));
    }
    return { ...next, flags };
  };
}
