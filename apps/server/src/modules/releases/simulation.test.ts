import { describe, expect, it } from 'vitest';
import { evaluateGuard, type ArmStatistics, type Guard, type Verdict } from './decision.js';
import { SRM_P_VALUE_PER_LOOK, planAlpha } from './service.js';

/**
 * The guard's error rates, measured by simulating whole release-plan stages against the
 * pure decision code: units arrive in batches, the guard is checked after every batch, and
 * a plan ends at its first `regression` or `srm` (or at the horizon). Seeded, so every run
 * gives the same numbers; docs/release-safety.md quotes them.
 */

/** mulberry32: a small seeded PRNG with a full 2^32 period, plenty for a few million draws. */
function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Exact Binomial(n, p) by inversion of the CDF (walking the pmf up from k = 0), O(np)
 * steps; no normal approximation, so it stays right at p = 1%. A count whose q^n would
 * underflow is split in two independent halves (Bin(a) + Bin(b) = Bin(a + b)).
 */
function binomial(n: number, p: number, random: () => number): number {
  if (n === 0 || p <= 0) return 0;
  if (p >= 1) return n;
  if (p > 0.5) return n - binomial(n, 1 - p, random);
  const q = 1 - p;
  if (n * Math.log(q) < -600) {
    const half = Math.floor(n / 2);
    return binomial(half, p, random) + binomial(n - half, p, random);
  }
  const ratio = p / q;
  const u = random();
  let pmf = q ** n;
  let cdf = pmf;
  let k = 0;
  while (u > cdf && k < n) {
    pmf *= ((n - k) / (k + 1)) * ratio;
    k++;
    cdf += pmf;
  }
  return k;
}

/** Standard normal by Box–Muller (one of the pair; simplicity over speed). */
function normal(random: () => number): number {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

interface PlanOutcome {
  verdict: Verdict;
  /** Units per arm (the smaller arm) when the plan stopped. */
  units: number;
}

interface Scenario {
  guard: Guard;
  /** Treatment's expected share of the units (the stage's split), as the guard is told. */
  share: number;
  /** The share units really arrive with, when the split is broken (default: `share`). */
  actualShare?: number;
  /** Units arriving between two checks (both arms together). */
  batch: number;
  /** The plan stops once the treatment arm has this many units. */
  horizon: number;
  /** Adds one arm's events for `units` new units to `arm`. */
  treatment: (arm: ArmStatistics, units: number, random: () => number) => void;
  control: (arm: ArmStatistics, units: number, random: () => number) => void;
  /** The check; the guard's `evaluateGuard` unless a scenario swaps in another test. */
  decide?: (treatment: ArmStatistics, control: ArmStatistics) => Verdict;
}

function rateArm(p: number): Scenario['treatment'] {
  return (arm, units, random) => {
    arm.units += units;
    arm.unitsWithEvent += binomial(units, p, random);
  };
}

/** Units report a log-normal value (a latency-like metric): ln v ~ N(mu, sigma²). */
function logNormalArm(reportShare: number, mu: number, sigma: number): Scenario['treatment'] {
  return (arm, units, random) => {
    arm.units += units;
    const reporting = binomial(units, reportShare, random);
    arm.unitsWithEvent += reporting;
    let sum = 0;
    let squares = 0;
    for (let i = 0; i < reporting; i++) {
      const v = Math.exp(mu + sigma * normal(random));
      sum += v;
      squares += v * v;
    }
    arm.sum = (arm.sum ?? 0) + sum;
    arm.sumOfSquares = (arm.sumOfSquares ?? 0) + squares;
  };
}

function runPlan(scenario: Scenario, random: () => number): PlanOutcome {
  const treatment: ArmStatistics = { units: 0, unitsWithEvent: 0 };
  const control: ArmStatistics = { units: 0, unitsWithEvent: 0 };
  while (treatment.units < scenario.horizon) {
    const toTreatment = binomial(scenario.batch, scenario.actualShare ?? scenario.share, random);
    scenario.treatment(treatment, toTreatment, random);
    scenario.control(control, scenario.batch - toTreatment, random);
    const verdict = scenario.decide
      ? scenario.decide(treatment, control)
      : evaluateGuard(scenario.guard, { treatment, control, expectedTreatmentShare: scenario.share }).verdict;
    if (verdict === 'regression' || verdict === 'srm') return { verdict, units: Math.min(treatment.units, control.units) };
  }
  return { verdict: 'ok', units: Math.min(treatment.units, control.units) };
}

interface Summary {
  plans: number;
  regressions: number;
  srms: number;
  regressionRate: number;
  srmRate: number;
  /** Median units per arm at the regression verdict, over plans that had one. */
  medianUnitsToRegression: number | null;
  /** Share of plans with a regression verdict before `withinUnits` units per arm. */
  regressionWithin: (withinUnits: number) => number;
}

function simulate(scenario: Scenario, plans: number, seed: number): Summary {
  const random = createRandom(seed);
  const outcomes: PlanOutcome[] = [];
  for (let i = 0; i < plans; i++) outcomes.push(runPlan(scenario, random));
  const regressions = outcomes.filter((o) => o.verdict === 'regression');
  const units = regressions.map((o) => o.units).sort((a, b) => a - b);
  const middle = units.length >> 1;
  return {
    plans,
    regressions: regressions.length,
    srms: outcomes.filter((o) => o.verdict === 'srm').length,
    regressionRate: regressions.length / plans,
    srmRate: outcomes.filter((o) => o.verdict === 'srm').length / plans,
    medianUnitsToRegression: units.length === 0 ? null : units.length % 2 ? units[middle]! : (units[middle - 1]! + units[middle]!) / 2,
    regressionWithin: (withinUnits) => regressions.filter((o) => o.units < withinUnits).length / plans,
  };
}

function report(name: string, s: Summary): void {
  const median = s.medianUnitsToRegression === null ? 'n/a' : Math.round(s.medianUnitsToRegression).toLocaleString('en-US');
  console.info(
    `[release-safety simulation] ${name}: ${s.regressions}/${s.plans} regressions (${(s.regressionRate * 100).toFixed(2)}%), ` +
      `${s.srms} srm (${(s.srmRate * 100).toFixed(2)}%), median units per arm at regression ${median}`,
  );
}

const ERROR_GUARD: Guard = { event: '$error', metric: 'rate', worseWhen: 'higher', action: 'rollback' };
const LATENCY_GUARD: Guard = { event: 'checkout_ms', metric: 'mean', worseWhen: 'higher', action: 'rollback' };

describe('samplers', () => {
  it('draws exact binomials: mean and variance match at p = 1% and p = 50%, and the pmf at 0', () => {
    const random = createRandom(7);
    for (const [n, p] of [
      [400, 0.01],
      [300, 0.5],
      [5000, 0.2],
    ] as const) {
      const draws = 20_000;
      let sum = 0;
      let squares = 0;
      let zeros = 0;
      for (let i = 0; i < draws; i++) {
        const k = binomial(n, p, random);
        sum += k;
        squares += k * k;
        if (k === 0) zeros++;
      }
      const mean = sum / draws;
      const variance = squares / draws - mean * mean;
      const sd = Math.sqrt(n * p * (1 - p));
      // The sample mean's standard error is sd/√draws; 5 of them is a loose, seed-stable bound.
      expect(Math.abs(mean - n * p)).toBeLessThan((5 * sd) / Math.sqrt(draws));
      expect(variance / (n * p * (1 - p))).toBeGreaterThan(0.95);
      expect(variance / (n * p * (1 - p))).toBeLessThan(1.05);
      if (p === 0.01) expect(Math.abs(zeros / draws - 0.99 ** n)).toBeLessThan(0.005);
    }
  });

  it('is deterministic for a seed', () => {
    const scenario: Scenario = {
      guard: ERROR_GUARD,
      share: 0.5,
      batch: 400,
      horizon: 5000,
      treatment: rateArm(0.02),
      control: rateArm(0.01),
    };
    const a = simulate(scenario, 50, 42);
    const b = simulate(scenario, 50, 42);
    expect([a.regressions, a.srms, a.medianUnitsToRegression]).toEqual([b.regressions, b.srms, b.medianUnitsToRegression]);
  });
});

describe('release-plan guard, simulated (issue 13)', () => {
  it('A/A at 1% errors, 50/50 stage, checked every 400 units up to 50,000 per arm: ≤ 5% of 2,000 plans roll back', () => {
    const s = simulate(
      { guard: ERROR_GUARD, share: 0.5, batch: 400, horizon: 50_000, treatment: rateArm(0.01), control: rateArm(0.01) },
      2000,
      1301,
    );
    report('A/A rate 1%, 50/50', s);
    expect(s.regressionRate).toBeLessThanOrEqual(0.05);
  });

  it('treatment errors doubled (1% → 2%), 50/50 stage: ≥ 95% of 2,000 plans roll back before 20,000 units per arm', () => {
    const s = simulate(
      { guard: ERROR_GUARD, share: 0.5, batch: 400, horizon: 20_000, treatment: rateArm(0.02), control: rateArm(0.01) },
      2000,
      1302,
    );
    report('1% → 2%, 50/50', s);
    expect(s.regressionWithin(20_000)).toBeGreaterThanOrEqual(0.95);
  });

  it('A/A at a 5% stage (control 19× larger), checked every 2,000 units up to 20,000 treatment units: ≤ 5% roll back', () => {
    const s = simulate(
      { guard: ERROR_GUARD, share: 0.05, batch: 2000, horizon: 20_000, treatment: rateArm(0.01), control: rateArm(0.01) },
      2000,
      1303,
    );
    report('A/A rate 1%, 5/95', s);
    expect(s.regressionRate).toBeLessThanOrEqual(0.05);
  });

  it('errors doubled at a 5% stage: ≥ 95% of 2,000 plans roll back before 20,000 treatment units', () => {
    const s = simulate(
      { guard: ERROR_GUARD, share: 0.05, batch: 2000, horizon: 20_000, treatment: rateArm(0.02), control: rateArm(0.01) },
      2000,
      1311,
    );
    report('1% → 2%, 5/95', s);
    expect(s.regressionWithin(20_000)).toBeGreaterThanOrEqual(0.95);
  });

  it('A/A on a rare event (0.1%): the smoothed variance keeps false rollbacks ≤ 5%', () => {
    const s = simulate(
      { guard: ERROR_GUARD, share: 0.5, batch: 400, horizon: 50_000, treatment: rateArm(0.001), control: rateArm(0.001) },
      2000,
      1304,
    );
    report('A/A rate 0.1%, 50/50', s);
    expect(s.regressionRate).toBeLessThanOrEqual(0.05);
  });

  it('tolerance: a 20% worse treatment under a 50% tolerance rolls back in ≤ 5% of plans', () => {
    const s = simulate(
      {
        guard: { ...ERROR_GUARD, tolerance: 0.5 },
        share: 0.5,
        batch: 400,
        horizon: 50_000,
        treatment: rateArm(0.012),
        control: rateArm(0.01),
      },
      2000,
      1305,
    );
    report('rate 1% → 1.2%, tolerance 50%', s);
    expect(s.regressionRate).toBeLessThanOrEqual(0.05);
  });

  it('mean of a skewed (log-normal) value: A/A ≤ 5% of 500 plans, +20% in ≥ 95% before 20,000 units per arm', () => {
    const sigma = 0.8;
    const base = Math.log(200);
    const aa = simulate(
      {
        guard: LATENCY_GUARD,
        share: 0.5,
        batch: 400,
        horizon: 20_000,
        treatment: logNormalArm(0.3, base, sigma),
        control: logNormalArm(0.3, base, sigma),
      },
      500,
      1306,
    );
    report('A/A mean (log-normal), 50/50', aa);
    expect(aa.regressionRate).toBeLessThanOrEqual(0.05);
    const slower = simulate(
      {
        guard: LATENCY_GUARD,
        share: 0.5,
        batch: 400,
        horizon: 20_000,
        treatment: logNormalArm(0.3, base + Math.log(1.2), sigma),
        control: logNormalArm(0.3, base, sigma),
      },
      500,
      1307,
    );
    report('mean +20% (log-normal), 50/50', slower);
    expect(slower.regressionWithin(20_000)).toBeGreaterThanOrEqual(0.95);
  });

  it('a broken split (treatment gets 52% of a 50/50 stage) pauses ≥ 95% of plans for sample-ratio mismatch', () => {
    const s = simulate(
      {
        guard: ERROR_GUARD,
        share: 0.5,
        actualShare: 0.52,
        batch: 400,
        horizon: 50_000,
        treatment: rateArm(0.01),
        control: rateArm(0.01),
      },
      500,
      1308,
    );
    report('A/A rate 1%, split 52/48 reported as 50/50', s);
    expect(s.srmRate).toBeGreaterThanOrEqual(0.95);
  });

  it('has teeth: a fixed-sample one-sided z-test at 5%, checked after every batch, falsely rolls back far more than 5%', () => {
    // The peeking problem the sequential test exists for; if this passed at ≤ 5% the simulation would prove nothing.
    const naive = (t: ArmStatistics, c: ArmStatistics): Verdict => {
      if (t.units < 1000 || c.units < 1000) return 'wait';
      const pt = t.unitsWithEvent / t.units;
      const pc = c.unitsWithEvent / c.units;
      const variance = (pt * (1 - pt)) / t.units + (pc * (1 - pc)) / c.units;
      return variance > 0 && (pt - pc) / Math.sqrt(variance) > 1.6448536269514722 ? 'regression' : 'ok';
    };
    const s = simulate(
      { guard: ERROR_GUARD, share: 0.5, batch: 400, horizon: 50_000, treatment: rateArm(0.01), control: rateArm(0.01), decide: naive },
      500,
      1310,
    );
    report('A/A rate 1%, 50/50, fixed-sample z > 1.645 at every check', s);
    expect(s.regressionRate).toBeGreaterThan(0.15);
  });
});

/**
 * A whole plan as the runner checks it (service.ts): stages 5 → 25 → 50 %, fresh arms per
 * stage, the guard's α split over the stages below 100% (`planAlpha`), the sample ratio
 * tested only when a stage's units double (`SRM_P_VALUE_PER_LOOK`). A plan ends at its
 * first regression or sample-ratio pause; each stage runs until its treatment arm has
 * `perStage` units.
 */
function runWholePlan(treatmentRate: number, perStage: number, random: () => number): { verdict: Verdict; treatmentUnits: number } {
  const shares = [0.05, 0.25, 0.5];
  const alpha = planAlpha({ guards: [ERROR_GUARD], stages: [...shares.map((s) => ({ percent: s * 100 })), { percent: 100 }] });
  let treatmentUnits = 0;
  for (const share of shares) {
    const treatment: ArmStatistics = { units: 0, unitsWithEvent: 0 };
    const control: ArmStatistics = { units: 0, unitsWithEvent: 0 };
    let lastLook = -1;
    while (treatment.units < perStage) {
      const batch = Math.round(200 / share);
      const toTreatment = binomial(batch, share, random);
      rateArm(treatmentRate)(treatment, toTreatment, random);
      rateArm(0.01)(control, batch - toTreatment, random);
      const look = Math.floor(Math.log2(treatment.units + control.units));
      const srmPValue = look > lastLook ? SRM_P_VALUE_PER_LOOK : 0;
      lastLook = Math.max(lastLook, look);
      const { verdict } = evaluateGuard(ERROR_GUARD, { treatment, control, expectedTreatmentShare: share }, { alpha, srmPValue });
      if (verdict === 'regression' || verdict === 'srm') return { verdict, treatmentUnits: treatmentUnits + treatment.units };
    }
    treatmentUnits += treatment.units;
  }
  return { verdict: 'ok', treatmentUnits };
}

describe('release plan, simulated whole (the runner: α split over stages, sample ratio at doublings)', () => {
  it('A/A over three stages: ≤ 5% of 2,000 plans roll back or pause at any stage', () => {
    const random = createRandom(2401);
    const outcomes = Array.from({ length: 2000 }, () => runWholePlan(0.01, 6000, random));
    const rolledBack = outcomes.filter((o) => o.verdict === 'regression').length / outcomes.length;
    const paused = outcomes.filter((o) => o.verdict === 'srm').length / outcomes.length;
    console.info(
      `[release-safety simulation] whole plan A/A: ${(rolledBack * 100).toFixed(2)}% rolled back, ${(paused * 100).toFixed(2)}% paused (srm)`,
    );
    expect(rolledBack).toBeLessThanOrEqual(0.05);
    expect(paused).toBeLessThanOrEqual(0.05);
  });

  it('errors doubled: ≥ 95% of 2,000 plans roll back before 20,000 treatment units in all', () => {
    const random = createRandom(2402);
    const outcomes = Array.from({ length: 2000 }, () => runWholePlan(0.02, 6000, random));
    const caught = outcomes.filter((o) => o.verdict === 'regression' && o.treatmentUnits < 20_000);
    const units = caught.map((o) => o.treatmentUnits).sort((a, b) => a - b);
    console.info(
      `[release-safety simulation] whole plan 1% → 2%: ${((caught.length / outcomes.length) * 100).toFixed(2)}% rolled back, ` +
        `median ${units[units.length >> 1]} treatment units`,
    );
    expect(caught.length / outcomes.length).toBeGreaterThanOrEqual(0.95);
  });
});
