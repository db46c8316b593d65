/** Plain-text rendering: aligned tables and one-line descriptions of a config. */
import type { Serve } from '@switchboard/core';
import type { FlagConfig } from '@switchboard/api-client';

/** Columns padded to their widest cell, two spaces apart; no trailing spaces. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

/** What the fallthrough serves: `on`, `on 12.5%`, or `a 50% / b 30% / c 20%` (by userId unless said). */
export function describeServe(serve: Serve): string {
  if ('variant' in serve) return serve.variant;
  const total = serve.rollout.reduce((sum, w) => sum + w.weight, 0);
  const share = (weight: number): string => `${total > 0 ? Math.round((weight / total) * 100_000) / 1000 : 0}%`;
  const parts = serve.rollout.map((w) => `${w.variant} ${share(w.weight)}`);
  const by = serve.bucketBy !== undefined && serve.bucketBy !== 'userId' ? ` by ${serve.bucketBy}` : '';
  return parts.join(' / ') + by;
}

export function state(enabled: boolean): string {
  return enabled ? 'on' : 'off';
}

/** A moment as `2026-01-01 10:00:00Z`: sortable, unambiguous, short. */
export function time(iso: string | null | undefined): string {
  if (!iso) return '-';
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

type ConfigFields = Pick<FlagConfig, 'enabled' | 'offVariant' | 'fallthrough' | 'rules' | 'prerequisites' | 'salt'>;

/** `enabled on → off`, one line per field that differs; empty when nothing did. */
export function changes(before: ConfigFields, after: ConfigFields): string[] {
  const lines: string[] = [];
  if (before.enabled !== after.enabled) lines.push(`enabled   ${state(before.enabled)} → ${state(after.enabled)}`);
  const serveBefore = describeServe(before.fallthrough);
  const serveAfter = describeServe(after.fallthrough);
  if (serveBefore !== serveAfter) lines.push(`serves    ${serveBefore} → ${serveAfter}`);
  if (before.offVariant !== after.offVariant) lines.push(`off       ${before.offVariant} → ${after.offVariant}`);
  if (JSON.stringify(before.rules) !== JSON.stringify(after.rules))
    lines.push(`rules     ${before.rules.length} → ${after.rules.length}${before.rules.length === after.rules.length ? ' (edited)' : ''}`);
  if (JSON.stringify(before.prerequisites) !== JSON.stringify(after.prerequisites)) {
    lines.push(`requires  ${prerequisites(before)} → ${prerequisites(after)}`);
  }
  if (before.salt !== after.salt) lines.push(`salt      ${JSON.stringify(before.salt)} → ${JSON.stringify(after.salt)}`);
  return lines;
}

function prerequisites(config: ConfigFields): string {
  return config.prerequisites.length === 0 ? '-' : config.prerequisites.map((p) => `${p.flag}=${p.variant}`).join(', ');
}

/** What a config serves once enabled (everything but `enabled`), for "did someone else change it?". */
export function targeting(config: ConfigFields): string {
  return JSON.stringify([config.offVariant, config.fallthrough, config.rules, config.prerequisites, config.salt]);
}

/** Several lines describing one config in full, for `flags get --env`. */
export function describeConfig(config: FlagConfig): string {
  const rows: [string, string][] = [
    ['flag', config.flag],
    ['environment', config.environment],
    ['state', state(config.enabled)],
    ['version', String(config.version)],
    ['serves', `${describeServe(config.fallthrough)}${config.enabled ? '' : ` (while off: ${config.offVariant})`}`],
    ['off variant', config.offVariant],
    ['requires', prerequisites(config)],
    ['salt', JSON.stringify(config.salt)],
    ['updated', time(config.updatedAt)],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  let text = rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n') + '\n';
  text += config.rules.length === 0 ? `${'rules'.padEnd(width)}  none\n` : `rules (${config.rules.length}, first match wins):\n`;
  for (const [i, rule] of config.rules.entries()) {
    const when = rule.conditions.map(describeCondition).join(' and ');
    text += `  ${i + 1}. ${rule.id ?? '(no id)'}: ${when || 'everyone'} → ${describeServe(rule.serve)}\n`;
  }
  return text;
}

type Condition = FlagConfig['rules'][number]['conditions'][number];

/** `country in ["DE","AT"]`, `not in segment beta-testers`: segment conditions have no attribute to show. */
export function describeCondition(c: Condition): string {
  const not = c.negate ? 'not ' : '';
  if (c.operator === 'inSegment') return `${not}in segment${c.values.length === 1 ? '' : 's'} ${c.values.join(', ')}`;
  return `${not}${c.attribute} ${c.operator} ${JSON.stringify(c.values)}${c.caseInsensitive ? ' (any case)' : ''}`;
}
