/**
 * Staged reveal: a page draws what the reader came for first, then its secondary parts one per
 * frame, so the first paint is small and a click or key press never waits for the whole page.
 */
import { useEffect, useState } from 'react';

/** Calls `fn` in a task after the next frame is painted (when the browser is idle, or within 100 ms). */
function afterNextPaint(fn: () => void): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let idle: number | undefined;
  const later = () => {
    if (typeof requestIdleCallback === 'function') idle = requestIdleCallback(fn, { timeout: 100 });
    else timer = setTimeout(fn, 0);
  };
  // Without frames (tests, some embedded views) a task is enough.
  const frame = typeof requestAnimationFrame === 'function' ? requestAnimationFrame(later) : undefined;
  if (frame === undefined) later();
  return () => {
    if (frame !== undefined) cancelAnimationFrame(frame);
    if (idle !== undefined) cancelIdleCallback(idle);
    if (timer !== undefined) clearTimeout(timer);
  };
}

/**
 * How many of `total` deferred parts to draw: none until `start`, then one more after each
 * painted frame. Once shown a part stays shown (its state and requests are kept).
 */
export function useStagedReveal(total: number, start: boolean): number {
  const [shown, setShown] = useState(0);
  useEffect(() => {
    if (!start || shown >= total) return;
    return afterNextPaint(() => setShown((n) => Math.min(total, n + 1)));
  }, [start, shown, total]);
  return shown;
}
