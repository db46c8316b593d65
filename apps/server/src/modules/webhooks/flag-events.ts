/** The `flag.changed` events of one committed admin write, built from its audit rows and flag changes. */
import type { WebhookEvent } from './outbox.js';

export interface AuditedChange {
  auditId: number;
  action: string;
  flagKey: string | null;
  /** The environment the audit row names; undefined for flag-wide changes (create, metadata, delete). */
  environment: string | undefined;
  before: unknown;
  after: unknown;
}

export interface FlagWrite {
  environment: string;
  flagKey: string;
  /** The new flag document's version, or null when the flag left the snapshot (archived). */
  version: number | null;
}

export interface FieldChange {
  field: string;
  before?: unknown;
  after?: unknown;
}

const IGNORED_FIELDS = new Set(['version', 'updatedAt', 'createdAt']);
/** Past this, `changes` names the fields without their values, so one edit can't make a huge webhook. */
const MAX_CHANGES_JSON = 16 * 1024;

/** Top-level fields whose value differs between two views of a flag or config. */
export function changedFields(before: unknown, after: unknown): FieldChange[] {
  const b = (before && typeof before === 'object' ? before : {}) as Record<string, unknown>;
  const a = (after && typeof after === 'object' ? after : {}) as Record<string, unknown>;
  const out: FieldChange[] = [];
  for (const field of new Set([...Object.keys(b), ...Object.keys(a)])) {
    if (IGNORED_FIELDS.has(field)) continue;
    if (JSON.stringify(b[field]) === JSON.stringify(a[field])) continue;
    out.push({ field, ...(field in b ? { before: b[field] } : {}), ...(field in a ? { after: a[field] } : {}) });
  }
  if (JSON.stringify(out).length > MAX_CHANGES_JSON) return out.map(({ field }) => ({ field }));
  return out;
}

function versionIn(view: unknown): number | null {
  const v = view && typeof view === 'object' ? (view as { version?: unknown }).version : undefined;
  return typeof v === 'number' ? v : null;
}

/**
 * One event per flag and environment whose document changed, plus one environment-less
 * event for a flag-wide change that touched no document (a rename, a delete).
 */
export function flagChangedEvents(actor: string, audits: readonly AuditedChange[], writes: readonly FlagWrite[]): WebhookEvent[] {
  const events: WebhookEvent[] = [];
  const covered = new Set<string>();
  for (const audit of audits) {
    if (audit.flagKey === null) continue;
    const flagKey = audit.flagKey;
    const touched = writes.filter((w) => w.flagKey === flagKey && (audit.environment === undefined || w.environment === audit.environment));
    const common = { flagKey, action: audit.action, actor, auditId: audit.auditId, changes: changedFields(audit.before, audit.after) };
    if (touched.length === 0) {
      const environment = audit.environment ?? null;
      events.push({ type: 'flag.changed', environment, data: { ...common, version: versionIn(audit.after) ?? versionIn(audit.before) } });
      continue;
    }
    for (const write of touched) {
      covered.add(`${write.environment}\u0000${flagKey}`);
      events.push({
        type: 'flag.changed',
        environment: write.environment,
        data: { ...common, version: write.version ?? versionIn(audit.after) },
      });
    }
  }
  for (const write of writes) {
    if (covered.has(`${write.environment}\u0000${write.flagKey}`)) continue;
    events.push({
      type: 'flag.changed',
      environment: write.environment,
      data: { flagKey: write.flagKey, action: null, actor, auditId: null, changes: [], version: write.version },
    });
  }
  return events;
}
