/**
 * A failed write, said so a tired operator can act on it: whether anything changed, the
 * server's message, the request id to quote, and a retry that keeps the focus in place.
 */
import { useEffect, useRef } from 'react';
import { errorMessage, isApiError } from '../api/client';

export interface WriteFailureFacts {
  /**
   * `no`: the server answered with an error, so its transaction rolled back.
   * `unknown`: no answer (network, timeout, a proxy's page): it may have been written.
   */
  written: 'no' | 'unknown';
  /** The first sentence: what happened to the change. */
  headline: string;
  /** The server's (or the network's) own words. */
  detail: string;
  requestId: string | undefined;
}

/** `what`: the change in words, e.g. "Turning off new-checkout in Production". */
export function describeWriteFailure(err: unknown, what: string): WriteFailureFacts {
  const requestId = isApiError(err) ? err.requestId : undefined;
  // A Switchboard error body comes from the server after its transaction rolled back;
  // anything else (no answer, a proxy's 502 page) leaves us not knowing.
  const answered = isApiError(err) && err.status > 0 && !err.code.startsWith('HTTP_') && err.code !== 'REDIRECT';
  if (!answered) {
    return {
      written: 'unknown',
      headline: `${what} may or may not have been saved: the server's answer did not arrive. Check the current state before trying again.`,
      detail: errorMessage(err),
      requestId,
    };
  }
  return { written: 'no', headline: `${what} failed. Nothing was changed.`, detail: errorMessage(err), requestId };
}

export interface WriteFailureProps {
  error: unknown;
  what: string;
  /** Tries the same change again; omitted when retrying can't help (e.g. a validation error). */
  onRetry?: () => void;
  retryLabel?: string;
  onDismiss?: () => void;
  /** Move focus here when shown (when the control that failed is gone or disabled). */
  focus?: boolean;
}

export function WriteFailure({ error, what, onRetry, retryLabel = 'Try again', onDismiss, focus = false }: WriteFailureProps) {
  const facts = describeWriteFailure(error, what);
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (focus) ref.current?.focus();
  }, [focus, error]);
  return (
    <div ref={ref} className="notice notice--error write-failure" role="alert" tabIndex={focus ? -1 : undefined}>
      <p>
        <strong>{facts.headline}</strong>
      </p>
      <p>{facts.detail}</p>
      {facts.requestId ? (
        <p className="small">
          Request id <code>{facts.requestId}</code> (quote it when asking about this failure)
        </p>
      ) : null}
      {onRetry || onDismiss ? (
        <div className="notice__actions">
          {onRetry ? (
            <button type="button" className="button" onClick={onRetry}>
              {retryLabel}
            </button>
          ) : null}
          {onDismiss ? (
            <button type="button" className="button button--quiet" onClick={onDismiss}>
              Dismiss
            </button>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
