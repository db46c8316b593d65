/**
 * `export`: an environment's flags, configs and the segments as YAML (or JSON) to keep in a
 * repository. The server sorts by key and leaves out timestamps; YAML keeps the server's
 * key order, so exporting an unchanged server again is no diff.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { EnvironmentExport } from '@switchboard/api-client';
import { parse, stringify } from 'yaml';
import { key, oneOf, stringOption, type Values } from '../arguments.js';
import { ENV_OPTION, type Command } from '../command.js';
import { UsageError } from '../errors.js';

/** A file holds one environment's export, or (`--all`) every environment's under `environments`. */
export type ExportFile = EnvironmentExport | { environments: EnvironmentExport[] };

export function formatExport(file: ExportFile, format: 'yaml' | 'json'): string {
  if (format === 'json') return `${JSON.stringify(file, null, 2)}\n`;
  // No line folding and no anchors: every value reads (and diffs) as itself. Written as YAML 1.1 so
  // strings like on, off, yes, no are quoted: YAML 1.1 readers would otherwise take them for booleans.
  return stringify(file, { lineWidth: 0, aliasDuplicateObjects: false, version: '1.1' });
}

function hasVersions(doc: EnvironmentExport): boolean {
  const flags = Array.isArray(doc.flags) ? doc.flags : [];
  const segments = Array.isArray(doc.segments) ? doc.segments : [];
  return flags.some((f) => f?.version !== undefined || f?.config?.version !== undefined) || segments.some((s) => s?.version !== undefined);
}

/** Reads a file written by `export` (YAML or JSON; JSON is YAML) and picks the environment's document. */
export function readExport(path: string, env: string, command: string): EnvironmentExport {
  let text: string;
  try {
    text = readFileSync(resolve(path), 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${(err as Error).message}`, command);
  }
  let parsed: unknown;
  try {
    parsed = parse(text);
  } catch (err) {
    throw new UsageError(`${path} is not YAML or JSON: ${(err as Error).message.split('\n')[0]}`, command);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(`${path} is not an export (expected "flags" and "segments", or "environments")`, command);
  }
  const doc = parsed as Partial<EnvironmentExport> & { environments?: unknown };
  if (Array.isArray(doc.environments)) {
    const found = (doc.environments as EnvironmentExport[]).find((e) => e?.environment === env);
    if (!found) throw new UsageError(`${path} has no export of "${env}"`, command);
    return found;
  }
  if (doc.environment !== undefined && doc.environment !== env) {
    // Versions are another environment's: compared with this one's they would mean nothing, or worse, match by chance.
    if (hasVersions(doc as EnvironmentExport)) {
      throw new UsageError(
        `${path} is an export of "${doc.environment}" with its versions; to apply it to "${env}", export with --no-versions`,
        command,
      );
    }
    return { ...(doc as EnvironmentExport), environment: env };
  }
  return doc as EnvironmentExport;
}

export const exportCommand: Command = {
  name: 'export',
  summary: "write an environment's flags, configs and segments as YAML or JSON (flags as code)",
  arguments: [],
  usage: '(--env <env> | --all) [--format yaml|json] [--out <file>] [--no-versions]',
  options: {
    env: ENV_OPTION,
    all: { type: 'boolean', description: 'every environment, one document each under "environments"' },
    format: { type: 'string', placeholder: '<yaml|json>', description: 'yaml (default) or json' },
    out: { type: 'string', placeholder: '<file>', description: 'file to write (default: stdout)' },
    'no-versions': {
      type: 'boolean',
      description: 'leave versions out: a file to apply to another server (with versions, apply refuses anything changed since)',
    },
  },
  details:
    'Sorted by key, no timestamps: exporting again without changes writes the same bytes. Archived flags\n' +
    'are left out. Each flag, config and segment carries the version read; `switchboard apply` refuses the\n' +
    'whole file if any has changed on the server since.\n\n' +
    'Examples:\n  switchboard export --env production --out flags/production.yaml\n  switchboard export --all --no-versions --out backup.yaml',
  async run(ctx, _args, values: Values) {
    const envOption = stringOption(values, 'env');
    const all = values.all === true;
    if (all === (envOption !== undefined)) throw new UsageError('give either --env <env> or --all', ctx.command);
    const format = oneOf(stringOption(values, 'format') ?? 'yaml', ['yaml', 'json'] as const, 'format', ctx.command);
    const out = stringOption(values, 'out');
    const versions = values['no-versions'] !== true;
    const api = ctx.api();
    let file: ExportFile;
    if (all) {
      const envs = (await api.environments.list()).environments;
      file = { environments: await Promise.all(envs.map((e) => api.environments.export(e.key, { versions }))) };
    } else {
      file = await api.environments.export(key(envOption!, 'environment', ctx.command), { versions });
    }
    const text = formatExport(file, format);
    if (out === undefined) return void ctx.io.stdout.write(text);
    const path = resolve(out);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    const docs = 'environments' in file ? file.environments : [file];
    const flags = docs.reduce((n, d) => n + d.flags.length, 0);
    ctx.note(
      `wrote ${docs.map((d) => d.environment).join(', ')} (${flags} flag configs, ${docs[0]?.segments.length ?? 0} segments) to ${out}`,
    );
  },
};
