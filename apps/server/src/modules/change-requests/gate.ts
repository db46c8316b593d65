/**
 * The approval gate on the one config-write path (`editConfigIn`): hold, apply, break-glass or refuse.
 * The cases and why: docs/decisions/change-requests.md.
 */
import type { ConfigFields } from '../../db/schema/index.js';
import { ConflictError } from '../../errors.js';
import type { ChangeTransaction } from '../changes/change-transaction.js';
import { contentHash, identityOf, isKillOnly, patchBetween } from './content.js';
import { findChangeRequest, insertChangeRequest, updateChangeRequest } from './store.js';
import { changeRequestView } from './view.js';

export interface GatedWrite {
  flagKey: string;
  action: string;
  baseVersion: number;
  base: ConfigFields;
  next: ConfigFields;
}

type GateEnvironment = { id: number; key: string; requiredApprovals: number };

/** 'write' to go on with the write, 'held' when it became (or revised) a change request instead. */
export async function gateConfigWrite(w: ChangeTransaction, env: GateEnvironment, write: GatedWrite): Promise<'write' | 'held'> {
  if (env.requiredApprovals === 0 || !w.context.reasonRequired) return 'write';
  const gate = w.context.approvalGate;
  if (gate?.mode === 'apply') {
    w.passedApprovalGate(env.id, write.flagKey);
    return 'write';
  }
  if (isKillOnly(write.base, write.next)) {
    w.passedApprovalGate(env.id, write.flagKey);
    announceBreakGlass(w, env, write);
    return 'write';
  }
  if (gate?.mode === 'open') {
    gate.opened = await open(w, env, write);
    return 'held';
  }
  if (gate?.mode === 'revise') {
    gate.revised = await revise(w, env, gate.id, write);
    return 'held';
  }
  throw new ConflictError(
    `"${env.key}" requires ${env.requiredApprovals} approval(s) for targeting changes: edit the flag's config there ` +
      '(PATCH, PUT, rollout or restore), which opens a change request, instead of this path',
    'environment',
  );
}

function announceBreakGlass(w: ChangeTransaction, env: GateEnvironment, write: GatedWrite): void {
  const data = { flag: write.flagKey, version: write.baseVersion + 1, by: w.context.principal.name, reason: w.context.reason ?? null };
  w.audit({ action: 'change-request.bypass', flagKey: write.flagKey, environment: env.key, after: { kind: 'kill-switch', ...data } });
  w.webhookEvent({ type: 'change_request.bypassed', environment: env.key, data: { kind: 'kill-switch', ...data } });
}

async function open(w: ChangeTransaction, env: GateEnvironment, write: GatedWrite) {
  const reason = w.context.reason ?? null;
  const patch = patchBetween(write.base, write.next);
  const content = { flag: write.flagKey, environment: env.key, action: write.action, baseVersion: write.baseVersion, patch, reason };
  const row = await insertChangeRequest(w.tx, {
    flagKey: write.flagKey,
    environment: env.key,
    action: write.action,
    patch,
    baseVersion: write.baseVersion,
    base: write.base,
    author: identityOf(w.context.principal),
    authorName: w.context.principal.name,
    reason,
    contentHash: contentHash(content),
  });
  const view = changeRequestView(row, [], env.requiredApprovals);
  w.audit({ action: 'change-request.create', flagKey: write.flagKey, environment: env.key, subject: String(row.id), after: view });
  w.webhookEvent({ type: 'change_request.opened', environment: env.key, data: { ...view } });
  return view;
}

/** An edit by the author: new content (approvals of the old one stop counting), open again. */
async function revise(w: ChangeTransaction, env: GateEnvironment, id: number, write: GatedWrite) {
  const before = (await findChangeRequest(w.tx, id, true))!;
  const reason = w.context.reason ?? before.reason;
  const patch = patchBetween(write.base, write.next);
  const content = { flag: write.flagKey, environment: env.key, action: before.action, baseVersion: write.baseVersion, patch, reason };
  const row = await updateChangeRequest(w.tx, id, { patch, reason, contentHash: contentHash(content), status: 'open' });
  const view = changeRequestView(row, [], env.requiredApprovals);
  w.audit({
    action: 'change-request.update',
    flagKey: write.flagKey,
    environment: env.key,
    subject: String(id),
    before: { patch: before.patch, reason: before.reason },
    after: { patch, reason, approvalsRevoked: true },
  });
  w.webhookEvent({ type: 'change_request.updated', environment: env.key, data: { ...view } });
  return view;
}
