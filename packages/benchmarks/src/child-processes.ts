import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

/**
 * The processes one benchmark starts (servers, load generators, client workers), torn
 * down together: `closeAll()` in a `finally`, and a SIGKILL from this process's `exit`
 * handler for anything still running. Every child also gets an IPC channel and exits
 * when it closes (see `tether` and server-probe.ts), so nothing outlives a benchmark
 * killed with SIGKILL either.
 */

const OUTPUT_KEPT = 32 * 1024;

export interface SpawnOptions {
  env?: Record<string, string | undefined>;
  /** Pin the child to these CPUs with `taskset -c` (ignored, and reported, where taskset is missing). */
  cpus?: string;
  cwd?: string;
}

export class ChildRun {
  private outputText = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(
    readonly name: string,
    readonly process: ChildProcess,
    readonly pinned: string | undefined,
  ) {
    const keep = (chunk: Buffer) => {
      this.outputText = (this.outputText + chunk.toString()).slice(-OUTPUT_KEPT);
    };
    process.stdout?.on('data', keep);
    process.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => process.once('exit', (code, signal) => resolve({ code, signal })));
  }

  get pid(): number {
    return this.process.pid!;
  }

  get running(): boolean {
    return this.process.exitCode === null && this.process.signalCode === null;
  }

  /** The last 32 KiB the child printed, for error messages. */
  output(): string {
    return this.outputText;
  }

  send(message: unknown): void {
    if (this.process.connected) this.process.send(message as object);
  }

  /** SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 3000): Promise<void> {
    if (!this.running) return;
    this.process.kill('SIGTERM');
    const timer = setTimeout(() => this.process.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

let tasksetChecked: boolean | undefined;
export function hasTaskset(): boolean {
  tasksetChecked ??= existsSync('/usr/bin/taskset') || existsSync('/bin/taskset');
  return tasksetChecked;
}

export class ChildGroup {
  private readonly children: ChildRun[] = [];
  private readonly reap = (): void => {
    for (const c of this.children) if (c.running) c.process.kill('SIGKILL');
  };

  constructor() {
    process.once('exit', this.reap);
  }

  /** Starts `node <nodeArgs…>` with an IPC channel (taskset-pinned when `cpus` is given). */
  node(name: string, nodeArgs: readonly string[], options: SpawnOptions = {}): ChildRun {
    const pin = options.cpus !== undefined && hasTaskset() ? options.cpus : undefined;
    const [command, args] = pin !== undefined ? ['taskset', ['-c', pin, process.execPath, ...nodeArgs]] : [process.execPath, [...nodeArgs]];
    const child = spawn(command, args, {
      env: { ...process.env, ...options.env },
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const run = new ChildRun(name, child, pin);
    this.children.push(run);
    return run;
  }

  /** Stops every child, in reverse order of starting. */
  async closeAll(): Promise<void> {
    for (const c of [...this.children].reverse()) await c.stop();
    process.off('exit', this.reap);
  }
}

/** For scripts run as children: exit when the parent's IPC channel closes (the parent died or is done). */
export function tether(): void {
  process.on('disconnect', () => process.exit(0));
}

/** Resident set size of a process in bytes, from /proc/<pid>/status (VmRSS). */
export function residentBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) * 1024;
}

/** CPU time (user + system) a process has used, in seconds, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which is in parentheses and may hold spaces).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
  return ticks / 100; // USER_HZ is 100 on Linux
}

/**
 * A worker process spoken to over IPC, and a way to wait for its next message of a type.
 * A `failed` message or the worker's exit rejects everything still waited for.
 */
export class WorkerLink<In extends { type: string }, Out extends { type: string }> {
  private readonly waiting: { type: string; resolve: (m: Out) => void; reject: (e: Error) => void }[] = [];

  constructor(readonly run: ChildRun) {
    run.process.on('message', (m: Out) => {
      if (m.type === 'failed') {
        for (const w of this.waiting.splice(0)) w.reject(new Error(`${run.name} failed: ${(m as unknown as { error: string }).error}`));
        return;
      }
      const index = this.waiting.findIndex((w) => w.type === m.type);
      if (index !== -1) this.waiting.splice(index, 1)[0]!.resolve(m);
    });
    void run.exited.then(({ code, signal }) => {
      for (const w of this.waiting.splice(0)) w.reject(new Error(`${run.name} exited (${code ?? signal}):\n${run.output()}`));
    });
  }

  next<T extends Out>(type: T['type'], timeoutMs: number): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.run.name}: no ${type} within ${timeoutMs} ms`)), timeoutMs);
      this.waiting.push({
        type,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
    });
  }

  send(message: In): void {
    this.run.send(message);
  }
}
