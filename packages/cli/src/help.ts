/** Help texts, built from the command definitions so they can't drift from what is parsed. */
import { GLOBAL_OPTIONS, type Command, type OptionSpec } from './command.js';

export const EXIT_CODES =
  'exit codes:\n' +
  '  0  done\n' +
  '  1  refused by the server (4xx: unknown flag, bad value, stale version, bad key)\n' +
  '  2  usage error or change in a protected environment not confirmed; caught before anything was written\n' +
  '  3  server or network failure (5xx, timeout, connection refused); the change may not have happened\n';

export const ENVIRONMENT_VARIABLES =
  'environment:\n' +
  '  SWITCHBOARD_URL      server URL (default http://localhost:4242)\n' +
  '  SWITCHBOARD_TOKEN    admin key, sent only as Authorization: Bearer\n' +
  '  SWITCHBOARD_TIMEOUT  seconds per request (default 10)\n';

function optionLines(options: Readonly<Record<string, OptionSpec>>): string[] {
  const entries = Object.entries(options).map(([name, spec]) => {
    const flag = `${spec.short ? `-${spec.short}, ` : '    '}--${name}${spec.placeholder ? ` ${spec.placeholder}` : ''}`;
    return [flag, spec.description] as const;
  });
  const width = Math.max(...entries.map(([f]) => f.length));
  return entries.map(([f, d]) => `  ${f.padEnd(width)}  ${d}`);
}

export function usageLine(command: Command): string {
  return `usage: switchboard ${command.name}${command.usage ? ` ${command.usage}` : ''}`;
}

export function commandHelp(command: Command): string {
  let text = `${usageLine(command)}\n\n${command.summary}\n`;
  if (command.details) text += `\n${command.details}\n`;
  if (Object.keys(command.options).length > 0) text += `\noptions:\n${optionLines(command.options).join('\n')}\n`;
  text += `\nglobal options:\n${optionLines(GLOBAL_OPTIONS).join('\n')}\n`;
  return text;
}

export function mainHelp(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return (
    'switchboard: flip kill switches, change rollouts and roll back Switchboard flags from a terminal\n\n' +
    'usage: switchboard <command> [arguments] [options]\n\n' +
    `commands:\n${commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}\n\n` +
    `global options:\n${optionLines({ ...GLOBAL_OPTIONS, version: { type: 'boolean', short: 'V', description: 'print the version' } }).join('\n')}\n\n` +
    `${ENVIRONMENT_VARIABLES}\n${EXIT_CODES}\n` +
    'Run `switchboard <command> --help` for a command’s arguments and options.\n'
  );
}

/** `switchboard flags`: the commands of a group. */
export function groupHelp(group: string, commands: readonly Command[]): string {
  const members = commands.filter((c) => c.name.startsWith(`${group} `));
  const width = Math.max(...members.map((c) => c.name.length));
  return `usage: switchboard ${group} <command>\n\ncommands:\n${members.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}\n`;
}
