/**
 * What a release plan writes and when, as pure functions of the plan and the clock: the
 * stage's fallthrough, whether the running stage is due to advance, and the arms' sampling.
 */
import type { ConfigFields, StoredStage } from '../../db/schema/index.js';
import { ValidationError } from '../../errors.js';

/** Rollout weights are parts of 100,000: a percentage with three decimals. */
export const WEIGHT_TOTAL = 100_000;

export interface PlanShape {
  variant: string;
  control: string;
  bucketBy: string;
  stages: StoredStage[];
}

/** Percentages must grow from stage to stage; only the last stage may omit its duration. */
export function checkStages(stages: StoredStage[]): void {
  stages.forEach((s, i) => {
    if (i > 0 && s.percent <= stages[i - 1]!.percent) {
      throw new ValidationError(
        `stages[${i}].percent must be greater than the stage before (${stages[i - 1]!.percent})`,
        `stages.${i}.percent`,
      );
    }
    if (i < stages.length - 1 && s.minDurationSec === undefined) {
      throw new ValidationError(`stages[${i}].minDurationSec is required on every stage but the last`, `stages.${i}.minDurationSec`);
    }
  });
}

/**
 * The fallthrough of a stage: the variant first, so a unit in it stays in it as the
 * percentage grows (the same salt, a growing range of buckets); everyone else on control.
 */
export function stageFallthrough(plan: PlanShape, percent: number): ConfigFields['fallthrough'] {
  const weight = Math.round(percent * 1000);
  if (weight >= WEIGHT_TOTAL) return { variant: plan.variant };
  return {
    rollout: [
      { variant: plan.variant, weight },
      { variant: plan.control, weight: WEIGHT_TOTAL - weight },
    ],
    bucketBy: plan.bucketBy,
  };
}

/** When the running stage may give way to the next, epoch ms; undefined for a last stage without a duration. */
export function stageEndsAt(stage: StoredStage | undefined, startedAt: Date | null): number | undefined {
  if (!stage || !startedAt || stage.minDurationSec === undefined) return undefined;
  return startedAt.getTime() + stage.minDurationSec * 1000;
}

/** The share of units the arms keep at `sampleBits`: units whose 32-bit hash is below 2^(32 - bits). */
export const sampling = (sampleBits: number): number => 2 ** -sampleBits;

/** The hash bound for `sampleBits`: units at or above it are not kept. */
export const sampleLimit = (sampleBits: number): number => 2 ** (32 - sampleBits);
