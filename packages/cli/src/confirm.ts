/**
 * Confirmation for writes that can turn something on in production. Kill never asks: it
 * is the safe direction. Without a terminal to ask on, `--yes` is required.
 */
import { createInterface } from 'node:readline';
import { UsageError } from './errors.js';
import type { Io } from './io.js';

export const CONFIRMED_ENVIRONMENT = 'production';

/** Whether a write (other than a kill) in this environment must be confirmed. */
export function needsConfirmation(environment: string, yes: boolean): boolean {
  return environment === CONFIRMED_ENVIRONMENT && !yes;
}

/** Before any request: refuses a production write that could never be confirmed. */
export function checkConfirmable(io: Io, environment: string, yes: boolean, command: string): void {
  if (!needsConfirmation(environment, yes) || io.isTTY) return;
  throw new UsageError(`${command} in ${environment} needs --yes when stdin is not a terminal; nothing was changed`);
}

/**
 * Asks on the terminal, after the current state was read and shown. Only `y` or `yes`
 * proceeds; anything else, or stdin closing, declines.
 */
export async function confirm(io: Io, environment: string, yes: boolean, question: string): Promise<void> {
  if (!needsConfirmation(environment, yes)) return;
  io.stderr.write(`${question} [y/N] `);
  const rl = createInterface({ input: io.stdin, terminal: false });
  const answer = await new Promise<string | undefined>((resolve) => {
    rl.once('line', resolve);
    rl.once('close', () => resolve(undefined));
  });
  rl.close();
  if (answer === undefined) io.stderr.write('\n');
  if (!/^\s*y(es)?\s*$/i.test(answer ?? '')) throw new UsageError('not confirmed; nothing was changed');
}
