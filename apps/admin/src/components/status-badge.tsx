import type { CleanupHint, FlagStatus } from '../model/status';

export function StatusBadge({ status }: { status: FlagStatus }) {
  return (
    <span className={`badge badge--${status.kind}`} title={status.detail}>
      <span className="badge__dot" aria-hidden="true" />
      {status.label}
    </span>
  );
}

export function CleanupBadge({ hint }: { hint: CleanupHint }) {
  return (
    <span className="badge badge--cleanup" title="A clean-up candidate: consider removing this flag from code">
      Clean up? {hint.text}
    </span>
  );
}
