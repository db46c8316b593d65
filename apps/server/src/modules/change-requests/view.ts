import type { ChangeRequest } from '@switchboard/api-contract';
import type { ChangeRequestApprovalRow, ChangeRequestRow } from '../../db/schema/index.js';

export function changeRequestView(row: ChangeRequestRow, approvals: readonly ChangeRequestApprovalRow[], required: number): ChangeRequest {
  return {
    id: row.id,
    flag: row.flagKey,
    environment: row.environment,
    action: row.action,
    patch: row.patch,
    baseVersion: row.baseVersion,
    base: row.base,
    author: row.authorName,
    reason: row.reason,
    status: row.status,
    requiredApprovals: required,
    approvals: approvals.map((a) => ({ by: a.approverName, at: a.at.toISOString() })),
    revision: row.revision,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    resolvedAt: row.resolvedAt?.toISOString() ?? null,
    resolvedBy: row.resolvedBy,
    appliedVersion: row.appliedVersion,
  } as ChangeRequest;
}
