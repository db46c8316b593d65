// Structural types only: the spec package depends on nothing in the workspace.
export interface BucketingCase {
  salt: string;
  value: string | number;
  weights: { variant: string; weight: number }[];
}
export interface OperatorCase {
  condition: unknown;
  segments?: Record<string, unknown>;
}
/** The flag document shape, loosely: cast it to your evaluator's snapshot type. */
export interface SpecSnapshot {
  schemaVersion: number;
  environment: string;
  revision: number;
  flags: Record<string, unknown>;
  segments: Record<string, unknown>;
}
/** A one-flag snapshot (flag `f`, type string) rolling out the case's weights. */
export function bucketingSnapshot(c: BucketingCase): SpecSnapshot;
/** A one-flag snapshot (flag `f`, type boolean) whose single rule holds the condition. */
export function operatorSnapshot(c: OperatorCase): SpecSnapshot;
