import { describe, expect, it } from 'vitest';
import { evaluateGuard, type ArmStatistics, type Guard, type GuardDecision } from './decision.js';

const errors: Guard = { event: '$error', metric: 'rate', worseWhen: 'higher', action: 'rollback' };
const latency: Guard = { event: 'checkout_ms', metric: 'mean', worseWhen: 'higher', action: 'pause' };

const rate = (units: number, unitsWithEvent: number): ArmStatistics => ({ units, unitsWithEvent });
/** A mean arm whose reporting units have the given mean and sample standard deviation. */
function meanArm(units: number, reporting: number, mean: number, sd: number): ArmStatistics {
  const sum = mean * reporting;
  return { units, unitsWithEvent: reporting, sum, sumOfSquares: sd * sd * (reporting - 1) + sum * mean };
}

function check(guard: Guard, treatment: ArmStatistics, control: ArmStatistics, share = 0.5): GuardDecision {
  return evaluateGuard(guard, { treatment, control, expectedTreatmentShare: share });
}

function expectJsonNumbers(decision: GuardDecision): void {
  // The stats go into the audit log as JSON: no NaN or Infinity that would turn into null silently.
  const walk = (value: unknown): void => {
    if (typeof value === 'number') expect(Number.isFinite(value)).toBe(true);
    else if (value && typeof value === 'object') Object.values(value).forEach(walk);
  };
  walk(decision.stats);
}

describe('evaluateGuard: waiting', () => {
  it('decides nothing before minUnits per arm (default 1000), however large the difference', () => {
    const d = check(errors, rate(999, 500), rate(1000, 0));
    expect(d.verdict).toBe('wait');
    expect(d.reason).toBe('waiting for 1000 units per arm (treatment 999, control 1000)');
    expectJsonNumbers(d);
    expect(check({ ...errors, minUnits: 100 }, rate(150, 80), rate(150, 0)).verdict).toBe('regression');
  });

  it('waits for two reporting units per arm on a mean guard, and for any variation at all', () => {
    expect(check(latency, meanArm(2000, 1, 100, 0), meanArm(2000, 500, 100, 10)).reason).toMatch(/at least 2 units per arm/);
    const flat = check(latency, meanArm(2000, 500, 100, 0), meanArm(2000, 500, 100, 0));
    expect(flat.verdict).toBe('wait');
    expect(flat.reason).toMatch(/no variation/);
  });

  it('treats inconsistent counts as data to wait on, never as an exception', () => {
    expect(check(errors, rate(2000, 2001), rate(2000, 10)).reason).toMatch(/^invalid statistics: treatment has more units with the event/);
    expect(check(errors, rate(2000, 1), rate(-1, 0)).reason).toMatch(/^invalid statistics: control counts/);
    expect(check(errors, rate(2000.5, 1), rate(2000, 0)).verdict).toBe('wait');
    expect(check(latency, { units: 10, unitsWithEvent: 5, sum: Number.NaN, sumOfSquares: 1 }, meanArm(10, 5, 1, 1)).verdict).toBe('wait');
    expect(check(errors, rate(2000, 1), rate(2000, 0), 1).reason).toMatch(/expectedTreatmentShare/);
    expect(check({ ...errors, worseWhen: 'lower', tolerance: 1 }, rate(2000, 1), rate(2000, 0)).reason).toMatch(/tolerance/);
  });
});

describe('evaluateGuard: sample-ratio mismatch', () => {
  it('answers srm when the arms do not match the stage split (p < 0.001), before minUnits and before any regression', () => {
    // 5% stage: 600 of 10,000 units in treatment where 500 were expected (χ² ≈ 21)
    const d = check(errors, rate(600, 300), rate(9400, 10), 0.05);
    expect(d.verdict).toBe('srm');
    expect(d.reason).toMatch(/^sample ratio mismatch: treatment has 6\.00% of units, expected 5\.00%/);
    expect(d.stats.srmPValue).toBeLessThan(0.001);
    expect(d.stats.observedTreatmentShare).toBe(0.06);
  });

  it('accepts ordinary noise in the split and skips the test while expected counts are tiny', () => {
    const d = check(errors, rate(5080, 50), rate(4920, 50));
    expect(d.verdict).toBe('ok');
    expect(d.stats.srmPValue).toBeGreaterThan(0.001);
    const tiny = check(errors, rate(5, 0), rate(0, 0), 0.5);
    expect(tiny.verdict).toBe('wait');
    expect(tiny.stats.srmPValue).toBeNull();
  });
});

describe('evaluateGuard: rate guards', () => {
  it('finds a doubled error rate (1% → 2%) at 10,000 units per arm and logs the numbers that decided it', () => {
    const d = check(errors, rate(10_000, 200), rate(10_000, 100));
    expect(d.verdict).toBe('regression');
    expect(d.reason).toBe('"$error" rate is worse in treatment: +100.0% vs control, beyond the 95% always-valid bound');
    const s = d.stats;
    expect(s.treatment).toMatchObject({ units: 10_000, unitsWithEvent: 200, value: 0.02 });
    expect(s.control.value).toBe(0.01);
    expect(s.treatment.ciLow).toBeLessThan(0.02);
    expect(s.treatment.ciHigh).toBeGreaterThan(0.02);
    expect(s.difference).toBeCloseTo(0.01, 12);
    expect(s.differenceCiLow).toBeGreaterThan(0);
    expect(s.relativeChange).toBeCloseTo(1, 12);
    expect(s.relativeChangeCiLow).toBeGreaterThan(0);
    expect(s.relativeChangeCiHigh).toBeGreaterThan(1);
    expect(s.excessCiLow).toBeGreaterThan(0);
    expect(s.logLikelihoodRatio).toBeGreaterThan(Math.log(20));
    expectJsonNumbers(d);
  });

  it('says ok, with the interval, when the arms agree', () => {
    const d = check(errors, rate(10_000, 100), rate(10_000, 100));
    expect(d.verdict).toBe('ok');
    expect(d.reason).toBe('no regression detected in "$error" rate: +0.00% vs control');
    expect(d.stats.excessCiLow).toBeLessThan(0);
    expect(d.stats.excessCiHigh).toBeGreaterThan(0);
    expect(d.stats.logLikelihoodRatio).toBeLessThan(0);
  });

  it('is one-sided: a better treatment is never a regression', () => {
    expect(check(errors, rate(10_000, 50), rate(10_000, 200)).verdict).toBe('ok');
  });

  it('worseWhen lower: a conversion rate that drops is the regression', () => {
    const conversions: Guard = { event: 'purchase', metric: 'rate', worseWhen: 'lower', action: 'notify' };
    expect(check(conversions, rate(10_000, 800), rate(10_000, 1000)).verdict).toBe('regression');
    expect(check(conversions, rate(10_000, 1200), rate(10_000, 1000)).verdict).toBe('ok');
  });

  it('tolerance is a relative change vs control: +30% passes under 50% tolerance, not under 0', () => {
    const t = rate(100_000, 1300);
    const c = rate(100_000, 1000);
    expect(check(errors, t, c).verdict).toBe('regression');
    const tolerated = check({ ...errors, tolerance: 0.5 }, t, c);
    expect(tolerated.verdict).toBe('ok');
    expect(tolerated.reason).toBe('no regression detected in "$error" rate: +30.0% vs control (+50.0% tolerated)');
    // θ = 0.013 − 1.5 × 0.01
    expect(tolerated.stats.excess).toBeCloseTo(-0.002, 12);
    // worseWhen lower with tolerance 10%: 5% fewer conversions is within it, 30% fewer is not.
    const conversions: Guard = { event: 'purchase', metric: 'rate', worseWhen: 'lower', tolerance: 0.1, action: 'notify' };
    expect(check(conversions, rate(100_000, 9500), rate(100_000, 10_000)).verdict).toBe('ok');
    expect(check(conversions, rate(100_000, 7000), rate(100_000, 10_000)).verdict).toBe('regression');
  });

  it('handles arms with no events at all', () => {
    const d = check(errors, rate(5000, 0), rate(5000, 0));
    expect(d.verdict).toBe('ok');
    expect(d.stats.relativeChange).toBeNull();
    expectJsonNumbers(d);
    expect(check(errors, rate(5000, 40), rate(5000, 0)).verdict).toBe('regression');
  });
});

describe('evaluateGuard: mean guards', () => {
  it('compares per-unit means over the units that reported a value', () => {
    const slower = check(latency, meanArm(8000, 4000, 240, 100), meanArm(8000, 4000, 200, 100));
    expect(slower.verdict).toBe('regression');
    expect(slower.reason).toBe('mean "checkout_ms" is worse in treatment: +20.0% vs control, beyond the 95% always-valid bound');
    expect(slower.stats.treatment.value).toBeCloseTo(240, 9);
    expect(slower.stats.treatment.ciLow).toBeCloseTo(240 - (1.96 * 100) / Math.sqrt(4000), 1);
    expectJsonNumbers(slower);
    expect(check(latency, meanArm(8000, 4000, 201, 100), meanArm(8000, 4000, 200, 100)).verdict).toBe('ok');
    expect(check({ ...latency, tolerance: 0.3 }, meanArm(8000, 4000, 240, 100), meanArm(8000, 4000, 200, 100)).verdict).toBe('ok');
  });
});

describe('evaluateGuard: options', () => {
  it('a smaller alpha needs more evidence; the SRM threshold is adjustable', () => {
    const t = rate(10_000, 160);
    const c = rate(10_000, 100);
    expect(check(errors, t, c).verdict).toBe('regression');
    const strict = evaluateGuard(errors, { treatment: t, control: c, expectedTreatmentShare: 0.5 }, { alpha: 0.001 });
    expect(strict.verdict).toBe('ok');
    expect(strict.stats.alpha).toBe(0.001);
    expect(strict.stats.zBoundary).toBeGreaterThan(check(errors, t, c).stats.zBoundary!);
    // 5,100 / 4,900 is p ≈ 0.046: no mismatch at the default 0.001, a mismatch at 0.05.
    const split = { treatment: rate(5100, 50), control: rate(4900, 50), expectedTreatmentShare: 0.5 };
    expect(evaluateGuard(errors, split).verdict).toBe('ok');
    expect(evaluateGuard(errors, split, { srmPValue: 0.05 }).verdict).toBe('srm');
  });
});
