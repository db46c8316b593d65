/**
 * Confirmation for writes that can turn something on in a protected environment (the
 * environment's `protected` setting on the server, never its name). Kill never asks: it
 * is the safe direction. Without a terminal to ask on, `--yes` is required.
 */
import { createInterface } from 'node:readline';
import type { Context } from './context.js';
import { UsageError } from './errors.js';
import type { Io } from './io.js';

/** An environment a command writes to, and whether that write must be confirmed first. */
export interface ConfirmTarget {
  key: string;
  ask: boolean;
}

/** Whether a write (other than a kill) to this target must be confirmed. */
export function needsConfirmation(target: ConfirmTarget): boolean {
  return target.ask;
}

/**
 * Before any write: reads whether `environment` is protected (not needed with `--yes`) and
 * refuses a write there that could never be confirmed. An environment the server doesn't
 * list isn't asked about: the write itself answers 404.
 */
export async function checkConfirmable(ctx: Context, environment: string, yes: boolean): Promise<ConfirmTarget> {
  if (yes) return { key: environment, ask: false };
  const { environments } = await ctx.api().environments.list();
  const found = environments.find((e) => e.key === environment);
  // A server from before the setting sends no `protected`: asking is the safe side.
  const ask = found !== undefined && (found as { protected?: boolean }).protected !== false;
  if (ask && !ctx.io.isTTY)
    throw new UsageError(`${ctx.command} in ${environment} needs --yes when stdin is not a terminal; nothing was changed`);
  return { key: environment, ask };
}

/**
 * Asks on the terminal, after the current state was read and shown. Only `y` or `yes`
 * proceeds; anything else, or stdin closing, declines.
 */
export async function confirm(io: Io, target: ConfirmTarget, question: string): Promise<void> {
  if (!needsConfirmation(target)) return;
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
