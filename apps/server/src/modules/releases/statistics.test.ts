import { describe, expect, it } from 'vitest';
import {
  Z_95,
  chiSquareSurvival1,
  effectiveUnits,
  erfc,
  meanEstimate,
  mixtureSequentialTest,
  normalInterval,
  rateEstimate,
  rhoSquaredFor,
  sampleRatioTest,
  wilsonInterval,
} from './statistics.js';

describe('erfc and the χ² tail', () => {
  it('matches reference values on both branches (series below 2.5, continued fraction above)', () => {
    const cases: [number, number][] = [
      [0, 1],
      [0.5, 0.4795001221869535],
      [1, 0.15729920705028513],
      [2, 0.004677734981047265],
      [2.4999, 4.071699003334514e-4],
      [2.5, 4.06952017444959e-4],
      [3, 2.209049699858544e-5],
      [5, 1.537459794428035e-12],
      [10, 2.088487583762545e-45],
      [-1, 1.8427007929497148],
    ];
    for (const [x, expected] of cases) expect(Math.abs(erfc(x) - expected) / expected).toBeLessThan(1e-9);
    expect(erfc(30)).toBe(0);
    expect(erfc(Number.NaN)).toBeNaN();
  });

  it('gives the textbook χ²(1) critical values', () => {
    expect(chiSquareSurvival1(3.841458820694124)).toBeCloseTo(0.05, 10);
    expect(chiSquareSurvival1(10.827566170662733)).toBeCloseTo(0.001, 10);
    expect(chiSquareSurvival1(0)).toBe(1);
  });
});

describe('per-arm estimates', () => {
  it('rate: x/n, with a variance from (x + 1)/(n + 2) so zero events still carry uncertainty', () => {
    expect(rateEstimate(1000, 10)).toEqual({ value: 0.01, variance: ((11 / 1002) * (991 / 1002)) / 1000 });
    expect(rateEstimate(1000, 0).variance).toBeGreaterThan(0);
  });

  it('mean: Σv/n and the sample variance (n − 1) over n, never negative from rounding', () => {
    // values 1, 2, 3, 4: mean 2.5, sample variance 5/3
    const e = meanEstimate(4, 10, 30);
    expect(e.value).toBe(2.5);
    expect(e.variance).toBeCloseTo(5 / 3 / 4, 12);
    expect(meanEstimate(3, 0.3, 0.03).variance).toBeGreaterThanOrEqual(0);
  });

  it('Wilson and normal intervals', () => {
    const w = wilsonInterval(10, 5);
    expect(w.low).toBeCloseTo(0.2366, 4);
    expect(w.high).toBeCloseTo(0.7634, 4);
    const none = wilsonInterval(10, 0);
    expect(none.low).toBe(0);
    expect(none.high).toBeCloseTo(0.2775, 4);
    expect(normalInterval({ value: 10, variance: 4 })).toEqual({ low: 10 - 2 * Z_95, high: 10 + 2 * Z_95 });
  });

  it('effective units: the harmonic mean of the arms', () => {
    expect(effectiveUnits(1000, 1000)).toBe(1000);
    expect(effectiveUnits(1000, 19_000)).toBeCloseTo(1900, 9);
  });
});

describe('normal-mixture sequential test', () => {
  const alpha = 0.05;
  const rho2 = rhoSquaredFor(5000, alpha);

  it('the confidence sequence edge is exactly where Λ reaches 1/α', () => {
    for (const units of [100, 1000, 5000, 50_000]) {
      const variance = 1e-4;
      const edge = mixtureSequentialTest(0, variance, units, rho2, alpha).halfWidth;
      expect(mixtureSequentialTest(edge, variance, units, rho2, alpha).logLikelihoodRatio).toBeCloseTo(Math.log(1 / alpha), 9);
      expect(mixtureSequentialTest(-edge * 0.999, variance, units, rho2, alpha).logLikelihoodRatio).toBeLessThan(Math.log(1 / alpha));
    }
  });

  it('is always wider than a fixed-sample 95% interval, and narrowest at the tuning size', () => {
    const z = (units: number) => mixtureSequentialTest(0, 1, units, rho2, alpha).zBoundary;
    for (const units of [10, 1000, 5000, 1e6]) expect(z(units)).toBeGreaterThan(Z_95);
    expect(z(5000)).toBeLessThan(z(4000));
    expect(z(5000)).toBeLessThan(z(6000));
    // ln Λ ≤ 0 at θ̂ = 0: no evidence is never evidence.
    expect(mixtureSequentialTest(0, 1, 5000, rho2, alpha).logLikelihoodRatio).toBeLessThan(0);
  });
});

describe('sample-ratio test', () => {
  it('computes Pearson χ² against the expected split', () => {
    const r = sampleRatioTest(5100, 4900, 0.5);
    expect(r.chiSquare).toBeCloseTo(4, 10);
    expect(r.pValue).toBeCloseTo(0.0455, 4);
    expect(r.observedShare).toBe(0.51);
    // 5% stage: 1,000 expected of 20,000; 1,150 is χ² ≈ 23.7
    const s = sampleRatioTest(1150, 18_850, 0.05);
    expect(s.chiSquare).toBeCloseTo(150 ** 2 / 1000 + 150 ** 2 / 19_000, 9);
    expect(s.pValue).toBeLessThan(0.001);
  });
});
