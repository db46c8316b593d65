/**
 * The statistics behind release-plan guards, as pure functions of sufficient statistics
 * (counts and sums): no I/O, no clock, no randomness. docs/release-safety.md derives each
 * formula and states its assumptions; decision.ts turns them into a verdict.
 */

/** Two-sided 95% normal quantile, for the per-arm intervals shown beside the decision. */
export const Z_95 = 1.959963984540054;

/** An estimate with its sampling variance (the square of its standard error). */
export interface Estimate {
  value: number;
  variance: number;
}

export interface Interval {
  low: number;
  high: number;
}

/** Proportion of units with at least one event, and the plug-in variance of that proportion. */
export function rateEstimate(units: number, unitsWithEvent: number): Estimate {
  const p = unitsWithEvent / units;
  // The variance uses (x + 1) / (n + 2) so an arm with no events (or only events) still
  // carries uncertainty: with x = 0 the plain plug-in says "variance 0", i.e. certainty.
  const smoothed = (unitsWithEvent + 1) / (units + 2);
  return { value: p, variance: (smoothed * (1 - smoothed)) / units };
}

/** Mean of per-unit values from n, Σv and Σv², with the variance of that mean (n − 1 in the sample variance). */
export function meanEstimate(units: number, sum: number, sumOfSquares: number): Estimate {
  const mean = sum / units;
  // Σv² − n·mean² can dip below zero by rounding when all values are equal.
  const sampleVariance = Math.max(0, (sumOfSquares - sum * mean) / (units - 1));
  return { value: mean, variance: sampleVariance / units };
}

/** Wilson score interval for a proportion (fixed-sample, for display). */
export function wilsonInterval(units: number, unitsWithEvent: number, z = Z_95): Interval {
  const p = unitsWithEvent / units;
  const z2 = z * z;
  const centre = (p + z2 / (2 * units)) / (1 + z2 / units);
  const half = (z / (1 + z2 / units)) * Math.sqrt((p * (1 - p)) / units + z2 / (4 * units * units));
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/** Normal interval for a mean (fixed-sample, for display). */
export function normalInterval(estimate: Estimate, z = Z_95): Interval {
  const half = z * Math.sqrt(estimate.variance);
  return { low: estimate.value - half, high: estimate.value + half };
}

/** Harmonic mean of the two arms' sizes: the sample size per arm of a balanced test with the same precision. */
export function effectiveUnits(treatmentUnits: number, controlUnits: number): number {
  return (2 * treatmentUnits * controlUnits) / (treatmentUnits + controlUnits);
}

/**
 * The normal-mixture sequential test (mSPRT) of θ = 0 for θ̂ ~ N(θ, V), τ² = ρ²·n·V; ln Λ ≥ ln(1/α)
 * has probability ≤ α however often it is checked. Formula and derivation: docs/release-safety.md §3.
 */
export interface SequentialTest {
  logLikelihoodRatio: number;
  /** Always-valid confidence-sequence half-width at level 1 − α. */
  halfWidth: number;
  /** halfWidth in standard errors, i.e. the z a fixed-sample test would need to match it. */
  zBoundary: number;
}

export function mixtureSequentialTest(
  estimate: number,
  variance: number,
  units: number,
  rhoSquared: number,
  alpha: number,
): SequentialTest {
  // r = τ² / V = ρ²·n
  const r = rhoSquared * units;
  const z2 = (estimate * estimate) / variance;
  const logLikelihoodRatio = -0.5 * Math.log1p(r) + (z2 * r) / (2 * (1 + r));
  const zBoundary = Math.sqrt(((1 + r) / r) * (2 * Math.log(1 / alpha) + Math.log1p(r)));
  return { logLikelihoodRatio, halfWidth: zBoundary * Math.sqrt(variance), zBoundary };
}

/**
 * ρ² that makes the confidence sequence narrowest at `units` effective units: minimising
 * (1 + 1/r)(2 ln(1/α) + ln(1 + r)) over r = ρ²n gives r = 2 ln(1/α) + ln(1 + r), solved by iteration.
 */
export function rhoSquaredFor(units: number, alpha: number): number {
  const twoLog = 2 * Math.log(1 / alpha);
  let r = twoLog;
  for (let i = 0; i < 50; i++) r = twoLog + Math.log1p(r);
  return r / units;
}

export interface SampleRatioTest {
  chiSquare: number;
  pValue: number;
  /** The treatment's share of the units seen. */
  observedShare: number;
}

/** Pearson's χ² goodness-of-fit test (1 degree of freedom) of the arms' unit counts against the expected split. */
export function sampleRatioTest(treatmentUnits: number, controlUnits: number, expectedTreatmentShare: number): SampleRatioTest {
  const total = treatmentUnits + controlUnits;
  const expectedTreatment = total * expectedTreatmentShare;
  const expectedControl = total - expectedTreatment;
  const chiSquare = (treatmentUnits - expectedTreatment) ** 2 / expectedTreatment + (controlUnits - expectedControl) ** 2 / expectedControl;
  return { chiSquare, pValue: chiSquareSurvival1(chiSquare), observedShare: treatmentUnits / total };
}

/** P(X ≥ x) for X ~ χ² with 1 degree of freedom: erfc(√(x/2)). */
export function chiSquareSurvival1(x: number): number {
  if (!(x > 0)) return 1;
  return erfc(Math.sqrt(x / 2));
}

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/**
 * Complementary error function to about 1e-12 relative: the Maclaurin series of erf below
 * 2.5 (where 1 − erf loses nothing that matters at the p-values we compare), the
 * continued fraction erfc(x) = e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))) above it.
 */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return 2 - erfc(-x);
  if (x < 2.5) {
    // erf(x) = 2/√π Σ (−1)^k x^(2k+1) / (k! (2k+1))
    const x2 = x * x;
    let term = x;
    let sum = x;
    for (let k = 1; k < 200; k++) {
      term *= -x2 / k;
      const add = term / (2 * k + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return 1 - TWO_OVER_SQRT_PI * sum;
  }
  if (x > 27) return 0; // e^(−729) underflows
  // Evaluate the continued fraction from the tail: K = x + (k/2)/K, k = N … 1.
  let tail = x;
  for (let k = 60; k >= 1; k--) tail = x + k / 2 / tail;
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / tail;
}
