import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { rmSync } from 'node:fs';

/** A service process started in its own process group, with its output kept for error messages. */
export interface ServiceProcess {
  readonly child: ChildProcess;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  readonly exited: Promise<string>;
  hasExited(): boolean;
  /** Last ~64 KiB of the process's stdout and stderr. */
  output(): string;
  /** SIGKILL to the whole process group (the server and any children it forked). */
  killGroup(): void;
  /** Forget this process in the exit cleanup (after it was stopped on purpose). */
  release(): void;
}

const OUTPUT_LIMIT = 64 * 1024;

interface Tracked {
  pid: number;
  tempDir: string | undefined;
  watchdog: ChildProcess | undefined;
}

const running = new Set<Tracked>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const tracked of running) {
      killGroupQuietly(tracked.pid);
      if (tracked.tempDir !== undefined) removeQuietly(tracked.tempDir);
    }
    running.clear();
  });
}

function removeQuietly(dir: string): void {
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch {
    // The watchdog removes it once the group is gone.
  }
}

function killGroupQuietly(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/**
 * A `sh` that blocks reading a pipe from this process. The kernel closes the pipe when this
 * process dies for any reason (even SIGKILL, where no 'exit' handler runs), and the watchdog
 * then kills the service's process group and removes its temp dir. Servers never outlive tests.
 */
function startWatchdog(pid: number, tempDir: string | undefined): ChildProcess {
  const script = 'while read -r _; do :; done; kill -KILL -"$0" 2>/dev/null; if [ -n "$1" ]; then rm -rf -- "$1"; fi';
  const watchdog = spawn('/bin/sh', ['-c', script, String(pid), tempDir ?? ''], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  watchdog.unref();
  // The pipe must not keep the event loop alive; it only has to stay open.
  (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  watchdog.on('error', () => {});
  return watchdog;
}

export function spawnService(command: string, args: readonly string[], options: SpawnOptions & { tempDir?: string }): ServiceProcess {
  installExitHook();
  const { tempDir, ...spawnOptions } = options;
  const child = spawn(command, args, { ...spawnOptions, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let buffered = '';
  const keep = (chunk: Buffer): void => {
    buffered += chunk.toString('utf8');
    if (buffered.length > OUTPUT_LIMIT) buffered = buffered.slice(-OUTPUT_LIMIT);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  // Do not let a test process wait on a server it forgot to stop; the exit hook kills it.
  child.unref();
  (child.stdout as unknown as { unref?: () => void } | null)?.unref?.();
  (child.stderr as unknown as { unref?: () => void } | null)?.unref?.();

  let exitedFlag = false;
  let tracked: Tracked | undefined;
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => {
      exitedFlag = true;
      resolve(signal ?? String(code));
    });
    child.once('error', (error) => {
      exitedFlag = true;
      keep(Buffer.from(`spawn failed: ${error.message}\n`));
      resolve('spawn-error');
    });
  });

  if (child.pid !== undefined) {
    tracked = { pid: child.pid, tempDir, watchdog: startWatchdog(child.pid, tempDir) };
    running.add(tracked);
  }

  const release = (): void => {
    if (tracked === undefined) return;
    running.delete(tracked);
    tracked.watchdog?.kill('SIGKILL');
    tracked = undefined;
  };

  return {
    child,
    exited,
    hasExited: () => exitedFlag,
    output: () => buffered,
    killGroup: () => {
      if (child.pid !== undefined) killGroupQuietly(child.pid);
    },
    release,
  };
}

/** Waits until the process has exited; SIGKILLs its group if it takes longer than `ms`. */
export async function waitForExit(service: ServiceProcess, ms: number): Promise<void> {
  if (service.hasExited()) return;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  const result = await Promise.race([service.exited, timedOut]);
  clearTimeout(timer);
  if (result === 'timeout') {
    service.killGroup();
    await service.exited;
  }
}

/** Waits (bounded) until no process is left in the group, so a restart finds its port and shared memory free. */
export async function waitForGroupGone(pgid: number, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try {
      process.kill(-pgid, 0);
    } catch {
      return;
    }
    await sleep(20);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
