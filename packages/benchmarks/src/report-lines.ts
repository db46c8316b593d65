import type { BenchModuleContext } from './bench-module.js';
import { loadAverage, loadNote, machineLine, type Machine } from './machine.js';

/**
 * The lines every section starts with (machine, load, command, method) and the target
 * lines it ends with, worded alike across modules.
 */

/** The machine as it was when one module started (the load average moves during `pnpm bench`). */
export function machineAtStart(context: BenchModuleContext): Machine {
  return { ...context.machine, loadAtStart: loadAverage() };
}

export function headerLines(
  context: BenchModuleContext,
  machine: Machine,
  source: string,
  method: string,
  busyAdvice = "The load average also counts this benchmark's own processes (servers, Postgres, Redis, load generator, clients); whatever else ran on the machine (other engineers' test runs share it) could only make these figures worse.",
): string[] {
  return [
    `- **Machine:** ${machineLine(machine)}`,
    `- **Load average (1 min):** ${loadNote(machine, loadAverage(), busyAdvice)}`,
    `- **Command:** \`${context.options.command}\` from the repository root (this section: \`${source}\`)`,
    `- **Method:** ${method}`,
  ];
}

export interface Target {
  met: boolean;
  text: string;
  /** Within 10% of the line, so a noisy run could flip it. */
  close?: boolean;
}

export function judge(value: number, threshold: number, atMost: boolean): Pick<Target, 'met' | 'close'> {
  return { met: atMost ? value <= threshold : value >= threshold, close: Math.abs(value - threshold) / threshold < 0.1 };
}

const CLOSE_NOTE = ' — within 10% of the line, so a noisy run could flip it';

export function targetMarkdown(t: Target): string {
  return `- ${t.met ? '✅ met' : '❌ not met'}: ${t.text}${t.close ? CLOSE_NOTE : ''}`;
}

export function targetText(t: Target): string {
  return `  ${t.met ? 'met    ' : 'NOT MET'}  ${t.text}${t.close ? CLOSE_NOTE : ''}`;
}

/** Nearest-rank percentile of unsorted values (p in 0–100). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function kib(bytes: number): string {
  const k = bytes / 1024;
  return k < 10 ? k.toFixed(2) : k < 100 ? k.toFixed(1) : Math.round(k).toLocaleString('en-US');
}

export function integer(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
