import type { Flag, Serve, Snapshot } from '@switchboard/core';
import type { Clock } from '../clock.js';

export function booleanFlag(key: string, overrides: Partial<Flag> = {}): Flag {
  return {
    key,
    version: 1,
    type: 'boolean',
    enabled: true,
    variants: { on: true, off: false },
    offVariant: 'off',
    fallthrough: { variant: 'on' },
    ...overrides,
  };
}

export function percentRollout(percent: number): Serve {
  const on = Math.round(percent * 1000);
  return {
    rollout: [
      { variant: 'on', weight: on },
      { variant: 'off', weight: 100_000 - on },
    ],
  };
}

export function snapshotOf(revision: number, ...flags: Flag[]): Snapshot {
  return {
    schemaVersion: 1,
    environment: 'production',
    revision,
    flags: Object.fromEntries(flags.map((f) => [f.key, f])),
    segments: {},
  };
}

/** Resolves when `check` returns true, polling every 5 ms; rejects after `ms`. */
export async function until(check: () => boolean, ms = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A real clock running `factor` times faster: a minute of client time takes 60/factor s. */
export function scaledClock(factor: number): Clock {
  const origin = Date.now();
  return {
    now: () => origin + (Date.now() - origin) * factor,
    setTimeout(fn, ms) {
      const t = setTimeout(fn, ms / factor);
      t.unref();
      return t;
    },
    clearTimeout(handle) {
      clearTimeout(handle as NodeJS.Timeout);
    },
  };
}

/** A logger that keeps messages instead of printing them. */
export function memoryLogger(): {
  lines: string[];
  debug(m: string): void;
  info(m: string): void;
  warn(m: string): void;
  error(m: string): void;
} {
  const lines: string[] = [];
  return {
    lines,
    debug: (m) => lines.push(`debug ${m}`),
    info: (m) => lines.push(`info ${m}`),
    warn: (m) => lines.push(`warn ${m}`),
    error: (m) => lines.push(`error ${m}`),
  };
}

/** A clock that moves only when told to: due timers fire, in order, inside `advance`. */
export interface ManualClock extends Clock {
  advance(ms: number): void;
  /** Ms until each timer not yet fired or cleared is due, soonest first. */
  pending(): number[];
}

export function manualClock(start = 1_767_225_600_000): ManualClock {
  let now = start;
  let nextId = 0;
  const timers = new Map<number, { due: number; fn: () => void }>();
  return {
    now: () => now,
    setTimeout(fn, ms) {
      const id = ++nextId;
      timers.set(id, { due: now + Math.max(0, ms), fn });
      return id;
    },
    clearTimeout(handle) {
      timers.delete(handle as number);
    },
    advance(ms) {
      const end = now + ms;
      for (;;) {
        let soonest: [number, { due: number; fn: () => void }] | undefined;
        for (const entry of timers) if (entry[1].due <= end && (soonest === undefined || entry[1].due < soonest[1].due)) soonest = entry;
        if (soonest === undefined) break;
        timers.delete(soonest[0]);
        now = soonest[1].due;
        soonest[1].fn();
      }
      now = end;
    },
    pending: () => [...timers.values()].map((t) => t.due - now).sort((a, b) => a - b),
  };
}
