/**
 * `main(argv, io)`: parse, dispatch, and turn every failure into one line on stderr and an
 * exit code. Never throws, never prints a stack.
 */
import { readFileSync } from 'node:fs';
import { isApiError, type ApiError } from '@switchboard/api-client';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Values } from './arguments.js';
import { GLOBAL_OPTIONS, type Command, type OptionSpec } from './command.js';
import { apply } from './commands/apply.js';
import { audit } from './commands/audit.js';
import { codegen } from './commands/codegen.js';
import { envsList } from './commands/envs.js';
import { exportCommand } from './commands/export.js';
import { explain } from './commands/explain.js';
import { flagsGet, flagsList, flagsStaleAfter } from './commands/flags.js';
import { history, restore } from './commands/history.js';
import { plan } from './commands/plan.js';
import { promote } from './commands/promote.js';
import { keysCreate, keysList, keysRevoke } from './commands/keys.js';
import { usersInvite, usersList } from './commands/users.js';
import { releaseAdvance, releaseCancel, releasePause, releaseResume, releaseStart, releaseStatus } from './commands/release.js';
import { rollout } from './commands/rollout.js';
import { requestsApply, requestsApprove, requestsCancel, requestsList, requestsReject, requestsShow } from './commands/requests.js';
import { schedule, scheduleCancel, scheduleList } from './commands/schedule.js';
import { enable, kill } from './commands/toggle.js';
import {
  webhooksCreate,
  webhooksDelete,
  webhooksDeliveries,
  webhooksList,
  webhooksRedeliver,
  webhooksRotate,
} from './commands/webhooks.js';
import { createContext } from './context.js';
import { EXIT, UsageError, exitCodeOf, isUsageError, type ExitCode } from './errors.js';
import { commandHelp, groupHelp, mainHelp, usageLine } from './help.js';
import type { Io } from './io.js';

export const COMMANDS: readonly Command[] = [
  flagsList,
  flagsGet,
  flagsStaleAfter,
  explain,
  kill,
  enable,
  rollout,
  releaseStart,
  releaseStatus,
  releasePause,
  releaseResume,
  releaseAdvance,
  releaseCancel,
  // The subcommands first: `schedule list` is not a schedule for a flag called "list".
  scheduleList,
  scheduleCancel,
  schedule,
  history,
  restore,
  envsList,
  keysList,
  keysCreate,
  keysRevoke,
  usersList,
  usersInvite,
  webhooksList,
  webhooksCreate,
  webhooksDelete,
  webhooksRotate,
  webhooksDeliveries,
  webhooksRedeliver,
  audit,
  codegen,
  exportCommand,
  plan,
  apply,
  promote,
  requestsList,
  requestsShow,
  requestsApprove,
  requestsReject,
  requestsApply,
  requestsCancel,
];

const GROUPS = new Set(COMMANDS.filter((c) => c.name.includes(' ')).map((c) => c.name.split(' ')[0]!));

export async function main(argv: readonly string[], io: Io): Promise<ExitCode> {
  try {
    return await dispatch(argv, io);
  } catch (err) {
    return report(err, io);
  }
}

async function dispatch(argv: readonly string[], io: Io): Promise<ExitCode> {
  const words = commandWords(argv);
  // `switchboard flags --stale` is `flags list --stale`: the one group whose bare name reads as a question.
  const command = findCommand(words) ?? (words.length === 1 && words[0] === 'flags' && argv.includes('--stale') ? flagsList : undefined);
  if (!command) return withoutCommand(argv, words, io);

  const { values, positionals } = strictParse(argv, { ...command.options, ...GLOBAL_OPTIONS }, command.name);
  if (values.help === true) {
    io.stdout.write(commandHelp(command));
    return EXIT.ok;
  }
  const args = positionals.slice(command.name.split(' ').length);
  const fewest = command.arguments.length - (command.optionalArguments ?? 0);
  if (args.length > command.arguments.length || args.length < fewest) {
    const expected = command.arguments.length === 0 ? 'no arguments' : command.arguments.map((a) => `<${a}>`).join(' ');
    const extra = args[command.arguments.length];
    const hint = extra !== undefined && 'env' in command.options && values.env === undefined ? ` (did you mean --env ${extra}?)` : '';
    throw new UsageError(
      args.length > command.arguments.length
        ? `unexpected argument "${extra}"${hint}; expected ${expected}`
        : `missing ${command.arguments
            .slice(args.length)
            .map((a) => `<${a}>`)
            .join(' ')}`,
      command.name,
    );
  }
  await command.run(createContext(io, command.name, values), args, values);
  return EXIT.ok;
}

/** `switchboard`, `--help`, `--version`, `help <command>`, a group alone, or an unknown command. */
function withoutCommand(argv: readonly string[], words: readonly string[], io: Io): ExitCode {
  const [first, second] = words;
  if (first === undefined) {
    const { values } = strictParse(argv, { ...GLOBAL_OPTIONS, version: { type: 'boolean', short: 'V', description: '' } }, undefined);
    if (values.version === true) {
      io.stdout.write(`${version()}\n`);
      return EXIT.ok;
    }
    const help = mainHelp(COMMANDS);
    if (values.help === true) {
      io.stdout.write(help);
      return EXIT.ok;
    }
    io.stderr.write(help);
    return EXIT.usage;
  }
  if (first === 'help') {
    const topic = words.slice(1);
    const command = findCommand(topic);
    if (command) io.stdout.write(commandHelp(command));
    else if (topic.length === 1 && GROUPS.has(topic[0]!)) io.stdout.write(groupHelp(topic[0]!, COMMANDS));
    else if (topic.length === 0) io.stdout.write(mainHelp(COMMANDS));
    else throw new UsageError(`no command "${topic.join(' ')}"; run \`switchboard --help\``);
    return EXIT.ok;
  }
  if (GROUPS.has(first)) {
    if (second !== undefined) throw new UsageError(`no command "${first} ${second}"\n${groupHelp(first, COMMANDS).trimEnd()}`);
    const asked = argv.includes('--help') || argv.includes('-h');
    (asked ? io.stdout : io.stderr).write(groupHelp(first, COMMANDS));
    return asked ? EXIT.ok : EXIT.usage;
  }
  throw new UsageError(`no command "${first}"; run \`switchboard --help\` for the list`);
}

function findCommand(words: readonly string[]): Command | undefined {
  return COMMANDS.find((c) => c.name.split(' ').every((part, i) => words[i] === part));
}

/**
 * The positionals, found by a lenient parse that knows every option of every command (so
 * `--env production` isn't mistaken for a word). The strict parse of the chosen command
 * follows.
 */
function commandWords(argv: readonly string[]): string[] {
  const options: Record<string, OptionSpec> = { ...GLOBAL_OPTIONS };
  for (const command of COMMANDS) {
    for (const [name, spec] of Object.entries(command.options)) {
      if (options[name]?.type !== 'string') options[name] = spec;
    }
  }
  return parseArgs({ args: [...argv], options: toParseArgs(options), strict: false, allowPositionals: true }).positionals;
}

function strictParse(
  argv: readonly string[],
  options: Record<string, OptionSpec>,
  command: string | undefined,
): { values: Values; positionals: string[] } {
  try {
    const parsed = parseArgs({ args: [...argv], options: toParseArgs(options), strict: true, allowPositionals: true });
    return { values: parsed.values as Values, positionals: parsed.positionals };
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
      // Node's wording, without its advice about `--` (no flag or environment key starts with "-").
      const message = (err as Error).message.replace(/\. To specify a positional argument.*$/s, '');
      throw new UsageError(message.charAt(0).toLowerCase() + message.slice(1), command);
    }
    throw err;
  }
}

function toParseArgs(options: Record<string, OptionSpec>): NonNullable<ParseArgsConfig['options']> {
  return Object.fromEntries(
    Object.entries(options).map(([name, spec]) => [name, spec.short ? { type: spec.type, short: spec.short } : { type: spec.type }]),
  );
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function report(err: unknown, io: Io): ExitCode {
  if (isUsageError(err)) {
    io.stderr.write(describeUsage(err));
    return err.exitCode;
  }
  if (isApiError(err)) {
    io.stderr.write(describeApiError(err));
    return exitCodeOf(err);
  }
  io.stderr.write(`error: unexpected failure: ${err instanceof Error ? err.message : String(err)}\n`);
  return EXIT.unavailable;
}

function describeUsage(err: UsageError): string {
  const found = err.command === undefined ? undefined : COMMANDS.find((c) => c.name === err.command);
  return `error: ${err.message}\n` + (found ? `${usageLine(found)}\n(switchboard ${found.name} --help for details)\n` : '');
}

function describeApiError(api: ApiError): string {
  // No answer, or not the server's: the client's message says what happened and where.
  if (api.status === 0 && systemCode(api.cause) === 'ECONNREFUSED')
    return `error: ${api.message} (is the server running? set --url or SWITCHBOARD_URL)\n`;
  if (api.code === 'REDIRECT') return `error: ${api.message}; point --url at the server itself\n`;
  if (api.status === 0 || api.code.startsWith('HTTP_')) return `error: ${api.message}\n`;
  const field = api.field === undefined ? '' : `field "${api.field}": `;
  const hint =
    api.status === 401
      ? '\nhint: the admin key was not accepted; check SWITCHBOARD_TOKEN'
      : api.status === 403
        ? '\nhint: this is not an admin key (server and client keys only read flags)'
        : '';
  const meta = [`HTTP ${api.status} ${api.code}`, api.requestId === undefined ? undefined : `request ${api.requestId}`]
    .filter(Boolean)
    .join(', ');
  return `error: ${field}${api.message}${hint}\n  (${meta})\n`;
}

/** The system error code (`ECONNREFUSED`) under fetch's "fetch failed". */
function systemCode(err: unknown): unknown {
  return (err as { cause?: { code?: unknown } } | undefined)?.cause?.code;
}
