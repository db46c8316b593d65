/** The shape of a command: its words, arguments, options, help, and what it does. */
import type { Values } from './arguments.js';
import type { Context } from './context.js';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** Shown in help: `--env <env>`. */
  placeholder?: string;
  description: string;
}

export interface Command {
  /** The words that select it: `flags list`, `kill`. */
  name: string;
  summary: string;
  /** Positional arguments, in order, all required: `['flag', 'percentage']`. */
  arguments: readonly string[];
  /** How many of the last arguments may be left out (`promote <flag>` or `promote --all`); the command checks which. */
  optionalArguments?: number;
  /** Options of this command (the global ones are added to every command). */
  options: Readonly<Record<string, OptionSpec>>;
  /** Usage line after the name, e.g. `<flag> --env <env> [--yes]`. */
  usage: string;
  /** Extra help paragraphs and examples. */
  details?: string;
  run(ctx: Context, args: readonly string[], values: Values): Promise<void>;
}

export const GLOBAL_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  url: { type: 'string', placeholder: '<url>', description: 'server URL (default: $SWITCHBOARD_URL, else http://localhost:4242)' },
  token: {
    type: 'string',
    placeholder: '<key>',
    description: 'admin key; prefer $SWITCHBOARD_TOKEN (an argument stays in shell history and ps)',
  },
  timeout: { type: 'string', placeholder: '<seconds>', description: 'per request, 0 < s ≤ 600 (default: $SWITCHBOARD_TIMEOUT, else 10)' },
  json: { type: 'boolean', description: "print the server's JSON on stdout, for scripts" },
  reason: {
    type: 'string',
    placeholder: '<text>',
    description: 'why: sent with every write (X-Change-Reason), kept in the audit log and history; required where the environment says so',
  },
  help: { type: 'boolean', short: 'h', description: 'show help' },
};

export const ENV_OPTION: OptionSpec = { type: 'string', placeholder: '<env>', description: 'environment key, e.g. production' };
export const YES_OPTION: OptionSpec = {
  type: 'boolean',
  short: 'y',
  description: 'in production, skip the confirmation (required when stdin is not a terminal)',
};
