/**
 * Runs a script in a Node process of its own, with tsx loading TypeScript, so the script
 * can import this package's source (`SDK_SOURCE`) without a build first. For what only a
 * whole process shows: whether the client keeps it alive, or lets it exit.
 */
import { spawn } from 'node:child_process';

/** This package's entry as TypeScript source: what the scripts import. */
export const SDK_SOURCE = new URL('../index.ts', import.meta.url).href;

export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Resolves when the process exits; kills it (and rejects) if it is still running after `ms`. */
export function runScript(script: string, ms = 20_000): Promise<ProcessResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '--eval', script], {
    // Where `--import tsx` is resolved from: this package, which has tsx installed.
    cwd: new URL('../..', import.meta.url),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`still running after ${ms} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, ms);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
