import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  v8: string;
  os: string;
  date: string;
  /** 1-minute load average when the run started. */
  loadAtStart: number;
}

function cpuModel(): string {
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (match?.[1]) return match[1].trim();
  } catch {
    // not Linux: fall back to what Node reports
  }
  return os.cpus()[0]?.model ?? 'unknown CPU';
}

export function describeMachine(now = new Date()): Machine {
  return {
    cpu: cpuModel(),
    cores: os.availableParallelism(),
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    v8: process.versions.v8,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    date: now.toISOString().replace(/\.\d+Z$/, 'Z'),
    loadAtStart: loadAverage(),
  };
}

/** The 1-minute load average (0 where the OS doesn't report one). */
export function loadAverage(): number {
  return os.loadavg()[0] ?? 0;
}

/**
 * A note on how busy the machine was, for a module to print under its numbers: a
 * benchmark keeps one core busy itself, so a load well above that means other work
 * competed with it and absolute times are inflated.
 */
export function loadNote(
  m: Machine,
  loadAtEnd = loadAverage(),
  busyAdvice = 'Other work was competing for the machine, so absolute times are inflated and noisy; ratios within one scenario hold up better.',
): string {
  const range = `${m.loadAtStart.toFixed(2)} at the start, ${loadAtEnd.toFixed(2)} at the end, on ${m.cores} cores`;
  return Math.max(m.loadAtStart, loadAtEnd) > Math.max(1.5, m.cores * 0.75) ? `${range}. ${busyAdvice}` : `${range}.`;
}

export function machineLine(m: Machine): string {
  return `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB · Node ${m.node} (V8 ${m.v8}) · ${m.os} · ${m.date}`;
}
