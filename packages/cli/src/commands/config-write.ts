/** What the config-writing commands share: reading the current config and reporting a write. */
import { ApiError, isApiError, isChangeRequest, type FlagConfig } from '@switchboard/api-client';
import { changes } from '../format.js';
import type { Context } from '../context.js';

export function isPreconditionFailed(err: unknown): err is ApiError {
  return isApiError(err) && err.status === 412;
}

/** A 412 the CLI does not retry, said in the operator's terms. */
export function changedMeanwhile(err: ApiError, flag: string, env: string, readVersion: number): ApiError {
  const now = err.currentVersion === undefined ? '' : ` (now version ${err.currentVersion})`;
  return new ApiError({
    status: err.status,
    code: err.code,
    message: `${flag} in ${env} was changed by someone else after it was read at version ${readVersion}${now}; nothing was written. Check it (switchboard flags get ${flag} --env ${env}) and run the command again`,
    requestId: err.requestId,
    currentVersion: err.currentVersion,
  });
}

/** `<verb> <flag> in <env> (version a → b)` and one line per changed field, or the new JSON. */
export function reportWrite(ctx: Context, verb: string, before: FlagConfig, after: FlagConfig): void {
  if (ctx.json) return ctx.printJson(after);
  // 202: the environment requires approvals, so the write is held as a change request.
  const held: unknown = after;
  if (isChangeRequest(held)) {
    const n = held.requiredApprovals;
    return ctx.out(
      `Change request #${held.id} created for ${held.flag} in ${held.environment} — needs ${n} approval${n === 1 ? '' : 's'}; nothing written yet.
` +
        `  review: switchboard requests show ${held.id}
`,
    );
  }
  const lines = changes(before, after);
  ctx.out(
    `${verb} ${after.flag} in ${after.environment} (version ${before.version} → ${after.version})\n` +
      (lines.length > 0 ? lines.map((l) => `  ${l}\n`).join('') : '  nothing else changed\n'),
  );
}
