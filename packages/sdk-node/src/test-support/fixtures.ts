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
  return { rollout: [{ variant: 'on', weight: on }, { variant: 'off', weight: 100_000 - on }] };
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
export function memoryLogger(): { lines: string[]; debug(m: string): void; info(m: string): void; warn(m: string): void; error(m: string): void } {
  const lines: string[] = [];
  return {
    lines,
    debug: (m) => lines.push(`debug ${m}`),
    info: (m) => lines.push(`info ${m}`),
    warn: (m) => lines.push(`warn ${m}`),
    error: (m) => lines.push(`error ${m}`),
  };
}
