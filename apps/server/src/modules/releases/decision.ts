import {
  effectiveUnits,
  meanEstimate,
  mixtureSequentialTest,
  normalInterval,
  rateEstimate,
  rhoSquaredFor,
  sampleRatioTest,
  wilsonInterval,
  type Estimate,
  type Interval,
} from './statistics.js';

/**
 * One guard check of a release plan's running stage: a pure function of the guard and the
 * two arms' sufficient statistics. The plan runner calls it on every check round and acts
 * on the verdict (`regression` → the guard's action, `srm` → pause); the returned stats go
 * into the decision log as they are. docs/release-safety.md has the formulas.
 */

export interface Guard {
  /** `$error` or any `track()` name. */
  event: string;
  /** `rate`: share of units with ≥ 1 event; `mean`: average per-unit value among units that reported one. */
  metric: 'rate' | 'mean';
  worseWhen: 'higher' | 'lower';
  /** Relative change allowed before it counts as a regression (0.1 = 10% worse is tolerated). Default 0. */
  tolerance?: number;
  /** Units each arm needs before any verdict but `srm`. Default 1000. */
  minUnits?: number;
  action: 'rollback' | 'kill' | 'pause' | 'notify';
}

/**
 * What one arm (treatment or control) of the running stage has seen, counted in distinct
 * bucketing units, never in evaluations or events.
 */
export interface ArmStatistics {
  /** Distinct units served this arm's variant during the stage. */
  units: number;
  /** Distinct units among them with at least one `guard.event`. */
  unitsWithEvent: number;
  /** `mean` only: Σ of per-unit values over `unitsWithEvent` units. */
  sum?: number;
  /** `mean` only: Σ of squared per-unit values over `unitsWithEvent` units. */
  sumOfSquares?: number;
}

export interface GuardInput {
  treatment: ArmStatistics;
  control: ArmStatistics;
  /**
   * The treatment's expected share of the two arms' units, from the stage's percentages:
   * treatment% / (treatment% + control%), e.g. 0.05 at a 5% stage with everyone else on control.
   */
  expectedTreatmentShare: number;
}

export interface DecisionOptions {
  /** Bound on the probability that a guard ever reports a regression that isn't there. Default 0.05. */
  alpha?: number;
  /** Effective units per arm at which the confidence sequence is narrowest (fixes the mixing variance). Default 5000. */
  tuningUnits?: number;
  /** p-value under which the arms' unit counts are a sample-ratio mismatch. Default 0.001. */
  srmPValue?: number;
}

export type Verdict = 'wait' | 'ok' | 'regression' | 'srm';

export interface ArmSummary {
  units: number;
  /** Units the metric is computed over (`unitsWithEvent` for both metrics). */
  unitsWithEvent: number;
  /** The rate or the mean. */
  value: number | null;
  /** 95% interval of `value` (Wilson for rates, normal for means); fixed-sample, for display. */
  ciLow: number | null;
  ciHigh: number | null;
}

/** Numbers for the decision log and the UI; null where they can't be computed yet. */
export interface GuardStats {
  metric: Guard['metric'];
  worseWhen: Guard['worseWhen'];
  tolerance: number;
  minUnits: number;
  alpha: number;
  treatment: ArmSummary;
  control: ArmSummary;
  /** Treatment − control, with its always-valid (1 − α) confidence sequence. */
  difference: number | null;
  differenceCiLow: number | null;
  differenceCiHigh: number | null;
  /** Treatment / control − 1, with a delta-method interval on the same always-valid boundary. */
  relativeChange: number | null;
  relativeChangeCiLow: number | null;
  relativeChangeCiHigh: number | null;
  /** θ = how far the treatment is past the tolerated change, in the worse direction (> 0 is a regression). */
  excess: number | null;
  excessCiLow: number | null;
  excessCiHigh: number | null;
  /** ln Λ of the mixture SPRT on θ; a regression needs θ's whole interval above 0 (ln Λ ≥ ln(1/α) and θ̂ > 0). */
  logLikelihoodRatio: number | null;
  /** The confidence sequence's half-width in standard errors at this sample size. */
  zBoundary: number | null;
  expectedTreatmentShare: number;
  observedTreatmentShare: number | null;
  srmChiSquare: number | null;
  srmPValue: number | null;
}

export interface GuardDecision {
  verdict: Verdict;
  reason: string;
  stats: GuardStats;
}

export const DEFAULT_MIN_UNITS = 1000;
export const DEFAULT_ALPHA = 0.05;
export const DEFAULT_TUNING_UNITS = 5000;
export const DEFAULT_SRM_P_VALUE = 0.001;
/** The defaults' ρ², solved once rather than on every check. */
const DEFAULT_RHO_SQUARED = rhoSquaredFor(DEFAULT_TUNING_UNITS, DEFAULT_ALPHA);
/** χ² needs a handful of expected units per cell before its p-value means anything. */
const SRM_MIN_EXPECTED = 10;

type ArmProblem = string | null;

function armProblem(name: string, arm: ArmStatistics, metric: Guard['metric']): ArmProblem {
  const counts = [arm.units, arm.unitsWithEvent];
  if (!counts.every((c) => Number.isInteger(c) && c >= 0)) return `${name} counts must be non-negative integers`;
  if (arm.unitsWithEvent > arm.units) return `${name} has more units with the event (${arm.unitsWithEvent}) than units (${arm.units})`;
  if (metric === 'mean') {
    const sum = arm.sum ?? 0;
    const squares = arm.sumOfSquares ?? 0;
    if (!Number.isFinite(sum) || !Number.isFinite(squares) || squares < 0) return `${name} value sums must be finite (sum of squares ≥ 0)`;
  }
  return null;
}

function estimateOf(arm: ArmStatistics, metric: Guard['metric']): Estimate | null {
  if (metric === 'rate') return arm.units > 0 ? rateEstimate(arm.units, arm.unitsWithEvent) : null;
  return arm.unitsWithEvent >= 2 ? meanEstimate(arm.unitsWithEvent, arm.sum ?? 0, arm.sumOfSquares ?? 0) : null;
}

function summarise(arm: ArmStatistics, metric: Guard['metric'], estimate: Estimate | null): ArmSummary {
  let interval: Interval | null = null;
  if (estimate && metric === 'rate') interval = wilsonInterval(arm.units, arm.unitsWithEvent);
  else if (estimate) interval = normalInterval(estimate);
  return {
    units: arm.units,
    unitsWithEvent: arm.unitsWithEvent,
    value: estimate ? estimate.value : null,
    ciLow: interval ? interval.low : null,
    ciHigh: interval ? interval.high : null,
  };
}

function formatChange(relative: number): string {
  const pct = relative * 100;
  return `${pct >= 0 ? '+' : ''}${Math.abs(pct) < 10 ? pct.toFixed(2) : pct.toFixed(1)}%`;
}

export function evaluateGuard(guard: Guard, input: GuardInput, options: DecisionOptions = {}): GuardDecision {
  const tolerance = guard.tolerance ?? 0;
  const minUnits = guard.minUnits ?? DEFAULT_MIN_UNITS;
  const alpha = options.alpha ?? DEFAULT_ALPHA;
  const srmThreshold = options.srmPValue ?? DEFAULT_SRM_P_VALUE;
  const { treatment, control, expectedTreatmentShare } = input;
  const metric = guard.metric;
  const tEstimate = estimateOf(treatment, metric);
  const cEstimate = estimateOf(control, metric);
  const stats: GuardStats = {
    metric,
    worseWhen: guard.worseWhen,
    tolerance,
    minUnits,
    alpha,
    treatment: summarise(treatment, metric, tEstimate),
    control: summarise(control, metric, cEstimate),
    difference: null,
    differenceCiLow: null,
    differenceCiHigh: null,
    relativeChange: null,
    relativeChangeCiLow: null,
    relativeChangeCiHigh: null,
    excess: null,
    excessCiLow: null,
    excessCiHigh: null,
    logLikelihoodRatio: null,
    zBoundary: null,
    expectedTreatmentShare,
    observedTreatmentShare: null,
    srmChiSquare: null,
    srmPValue: null,
  };
  const decide = (verdict: Verdict, reason: string): GuardDecision => ({ verdict, reason, stats });

  // Bad numbers are data, not exceptions: the plan waits and the log says why.
  const problem = armProblem('treatment', treatment, metric) ?? armProblem('control', control, metric);
  if (problem) return decide('wait', `invalid statistics: ${problem}`);
  if (!(expectedTreatmentShare > 0 && expectedTreatmentShare < 1))
    return decide('wait', 'invalid statistics: expectedTreatmentShare must be in (0, 1)');
  if (!(tolerance >= 0) || (guard.worseWhen === 'lower' && tolerance >= 1)) return decide('wait', 'invalid guard: tolerance out of range');

  // Sample-ratio mismatch first: if the split is wrong, no comparison of the arms can be trusted.
  const total = treatment.units + control.units;
  if (total > 0) {
    const srm = sampleRatioTest(treatment.units, control.units, expectedTreatmentShare);
    stats.observedTreatmentShare = srm.observedShare;
    const minExpected = total * Math.min(expectedTreatmentShare, 1 - expectedTreatmentShare);
    if (minExpected >= SRM_MIN_EXPECTED) {
      stats.srmChiSquare = srm.chiSquare;
      stats.srmPValue = srm.pValue;
      if (srm.pValue < srmThreshold) {
        return decide(
          'srm',
          `sample ratio mismatch: treatment has ${(srm.observedShare * 100).toFixed(2)}% of units, expected ${(expectedTreatmentShare * 100).toFixed(2)}% (χ² = ${srm.chiSquare.toFixed(1)}, p = ${srm.pValue.toExponential(2)} < ${srmThreshold})`,
        );
      }
    }
  }

  if (treatment.units < minUnits || control.units < minUnits) {
    return decide('wait', `waiting for ${minUnits} units per arm (treatment ${treatment.units}, control ${control.units})`);
  }
  if (!tEstimate || !cEstimate) return decide('wait', `waiting for at least 2 units per arm reporting "${guard.event}"`);

  // θ = sign·(μT − k·μC): the treatment's excess over the tolerated value, positive when worse.
  const sign = guard.worseWhen === 'higher' ? 1 : -1;
  const k = 1 + sign * tolerance;
  const excess = sign * (tEstimate.value - k * cEstimate.value);
  const variance = tEstimate.variance + k * k * cEstimate.variance;
  const metricUnits = metric === 'rate' ? [treatment.units, control.units] : [treatment.unitsWithEvent, control.unitsWithEvent];
  const units = effectiveUnits(metricUnits[0]!, metricUnits[1]!);
  const tuningUnits = options.tuningUnits ?? DEFAULT_TUNING_UNITS;
  const rhoSquared =
    tuningUnits === DEFAULT_TUNING_UNITS && alpha === DEFAULT_ALPHA ? DEFAULT_RHO_SQUARED : rhoSquaredFor(tuningUnits, alpha);

  const differenceVariance = tEstimate.variance + cEstimate.variance;
  const difference = tEstimate.value - cEstimate.value;
  if (differenceVariance > 0) {
    const d = mixtureSequentialTest(difference, differenceVariance, units, rhoSquared, alpha);
    stats.difference = difference;
    stats.differenceCiLow = difference - d.halfWidth;
    stats.differenceCiHigh = difference + d.halfWidth;
  }
  if (cEstimate.value !== 0) {
    // Delta method for T/C − 1, on the same always-valid boundary as the decision.
    const ratio = tEstimate.value / cEstimate.value;
    const relativeSe = Math.sqrt(tEstimate.variance + ratio * ratio * cEstimate.variance) / Math.abs(cEstimate.value);
    stats.relativeChange = ratio - 1;
    if (variance > 0) {
      const zBoundary = mixtureSequentialTest(0, 1, units, rhoSquared, alpha).zBoundary;
      stats.relativeChangeCiLow = ratio - 1 - zBoundary * relativeSe;
      stats.relativeChangeCiHigh = ratio - 1 + zBoundary * relativeSe;
    }
  }
  if (!(variance > 0)) return decide('wait', `no variation in "${guard.event}" yet: every unit has the same value`);

  const test = mixtureSequentialTest(excess, variance, units, rhoSquared, alpha);
  stats.excess = excess;
  stats.excessCiLow = excess - test.halfWidth;
  stats.excessCiHigh = excess + test.halfWidth;
  stats.logLikelihoodRatio = test.logLikelihoodRatio;
  stats.zBoundary = test.zBoundary;

  const what = metric === 'rate' ? `"${guard.event}" rate` : `mean "${guard.event}"`;
  const change = stats.relativeChange === null ? `${difference >= 0 ? '+' : ''}${difference}` : formatChange(stats.relativeChange);
  const allowed = tolerance > 0 ? ` (${guard.worseWhen === 'higher' ? '+' : '−'}${(tolerance * 100).toFixed(1)}% tolerated)` : '';
  if (stats.excessCiLow > 0) {
    return decide(
      'regression',
      `${what} is worse in treatment: ${change} vs control${allowed}, beyond the ${((1 - alpha) * 100).toFixed(0)}% always-valid bound`,
    );
  }
  return decide('ok', `no regression detected in ${what}: ${change} vs control${allowed}`);
}
