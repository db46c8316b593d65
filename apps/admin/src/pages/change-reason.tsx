/**
 * "Why", said once for the changes made on a page: a field whose text every write below it
 * sends as X-Change-Reason (kept in the audit log and the flag's history). Required where the
 * environment says so; the server refuses a write there without one.
 */
import { useMemo, useState, type ReactNode } from 'react';
import type { AdminApi } from '../api/client';
import { AppContext, useApp } from '../app-context';
import { Field } from '../components/field';
import { useLocation } from '../router';

/** Where each write method of the client takes its options (the last argument). */
const OPTIONS_AT: Record<string, Record<string, number>> = {
  configs: { put: 3, patch: 3, rollout: 3, restore: 3 },
  flags: { update: 2, delete: 1 },
  scheduledChanges: { create: 3, cancel: 3 },
  releasePlans: { put: 3, pause: 2, resume: 2, advance: 2, cancel: 2 },
};

/** The same client, with `reason` added to the options of every write. */
export function withReason(api: AdminApi, reason: string): AdminApi {
  if (reason.trim() === '') return api;
  const out: Record<string, unknown> = { ...api };
  for (const [group, methods] of Object.entries(OPTIONS_AT)) {
    const source = (api as unknown as Record<string, Record<string, (...args: unknown[]) => unknown>>)[group];
    if (!source) continue;
    const wrapped: Record<string, unknown> = { ...source };
    for (const [name, at] of Object.entries(methods)) {
      const call = source[name];
      if (!call) continue;
      wrapped[name] = (...args: unknown[]) => {
        const next = [...args];
        next[at] = { ...(next[at] as object | undefined), reason };
        return call(...next);
      };
    }
    out[group] = wrapped;
  }
  return out as unknown as AdminApi;
}

export function ChangeReason({ children }: { children: ReactNode }) {
  const app = useApp();
  const { query } = useLocation();
  const env = app.environments.find((e) => e.key === (query.get('env') ?? app.environment));
  const [reason, setReason] = useState('');
  const value = useMemo(() => ({ ...app, api: withReason(app.api, reason) }), [app, reason]);
  const required = env?.requireReason === true;
  return (
    <>
      <div className="change-reason">
        <Field
          label={required ? `Reason (required in ${env!.name})` : 'Reason (optional)'}
          hint="Sent with each change you make on this page; shown in the audit log and the history."
        >
          {(p) => (
            <input
              {...p}
              type="text"
              maxLength={500}
              value={reason}
              placeholder="e.g. INC-2231: errors up since 09:20"
              onChange={(e) => setReason(e.target.value)}
            />
          )}
        </Field>
      </div>
      <AppContext.Provider value={value}>{children}</AppContext.Provider>
    </>
  );
}
