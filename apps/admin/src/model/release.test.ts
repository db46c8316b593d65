/**
 * The release plan and scheduled change forms' pure parts: rows to the API's body with the
 * messages keyed as the server names fields, the server's field spellings, durations,
 * percentages and the guard statistics read defensively.
 */
import { describe, expect, it } from 'vitest';
import {
  formatDuration,
  formatPercent,
  formatValue,
  formField,
  guardChecks,
  initialPlanForm,
  planBody,
  PRESETS,
  type PlanForm,
} from './release';
import { formatInZone, localInputIn, offsetLabel, offsetNear } from './time-zones';

const form = (patch: Partial<PlanForm> = {}): PlanForm => ({ ...initialPlanForm(['on', 'off'], 'off', 'Europe/Berlin'), ...patch });

describe('planBody', () => {
  it('turns the default form into 1 → 5 → 25 → 50 → 100 % an hour apart with the $error guard', () => {
    const { body, errors } = planBody(form());
    expect(errors).toEqual({});
    expect(body).toEqual({
      variant: 'on',
      stages: [
        { percent: 1, minDurationSec: 3600 },
        { percent: 5, minDurationSec: 3600 },
        { percent: 25, minDurationSec: 3600 },
        { percent: 50, minDurationSec: 3600 },
        { percent: 100 },
      ],
      guards: [{ event: '$error', metric: 'rate', worseWhen: 'higher', tolerance: 0.1, minUnits: 1000, action: 'rollback' }],
    });
  });

  it('converts seconds, minutes and hours, keeps a control and a start time in a zone', () => {
    const { body, errors } = planBody(
      form({
        variant: 'on',
        control: 'off',
        stages: [
          { percent: '0.5', duration: '90', unit: 's' },
          { percent: '10', duration: '1.5', unit: 'min' },
          { percent: '100', duration: '2', unit: 'h' },
        ],
        guards: [{ event: 'checkout', metric: 'mean', worseWhen: 'lower', tolerancePct: '', minUnits: '', action: 'pause' }],
        startLocal: '2026-12-08T03:00',
      }),
    );
    expect(errors).toEqual({});
    expect(body.stages).toEqual([
      { percent: 0.5, minDurationSec: 90 },
      { percent: 10, minDurationSec: 90 },
      { percent: 100, minDurationSec: 7200 },
    ]);
    expect(body.control).toBe('off');
    expect(body.guards).toEqual([{ event: 'checkout', metric: 'mean', worseWhen: 'lower', tolerance: 0, action: 'pause' }]);
    expect(body.startAt).toEqual({ local: '2026-12-08T03:00', timeZone: 'Europe/Berlin' });
  });

  it('names each bad field as the server would', () => {
    const { errors } = planBody(
      form({
        control: 'on',
        stages: [
          { percent: '10', duration: '', unit: 'min' },
          { percent: '5', duration: 'soon', unit: 'min' },
          { percent: '0.0001', duration: '31', unit: 'h' },
          { percent: '', duration: '', unit: 'min' },
        ],
        guards: [{ event: ' ', metric: 'rate', worseWhen: 'higher', tolerancePct: '-1', minUnits: '2.5', action: 'kill' }],
      }),
    );
    expect(errors).toEqual({
      control: 'The control must be another variant',
      'stages.0.minDurationSec': 'How long this stage runs before the next',
      'stages.1.percent': 'More than the stage before (10 %)',
      'stages.1.minDurationSec': 'Enter a duration',
      'stages.2.percent': 'Between 0.001 and 100',
      'stages.3.percent': 'Enter a percentage',
      'guards.0.event': 'Enter an event name, like $error',
      'guards.0.tolerance': 'Between 0 and 1000 %',
      'guards.0.minUnits': 'A whole number, at least 10',
    });
  });

  it('refuses more than three decimals and durations past 30 days', () => {
    const { errors } = planBody(
      form({
        stages: [
          { percent: '0.0015', duration: '1', unit: 'h' },
          { percent: '100', duration: '721', unit: 'h' },
        ],
      }),
    );
    expect(errors).toEqual({ 'stages.0.percent': 'At most 3 decimals', 'stages.1.minDurationSec': 'At most 30 days' });
  });

  it('offers presets whose last stage is 100 % and runs until done', () => {
    for (const p of PRESETS) {
      expect(p.stages.at(-1)).toMatchObject({ percent: '100', duration: '' });
      expect(planBody(form({ stages: p.stages })).errors).toEqual({});
    }
  });
});

describe('formatting', () => {
  it('reads the three ways the server spells a field', () => {
    expect(formField('stages.1.percent')).toBe('stages.1.percent');
    expect(formField('stages[1].percent')).toBe('stages.1.percent');
    expect(formField('/stages/1/percent')).toBe('stages.1.percent');
    expect(formField('body.guards[0].event')).toBe('guards.0.event');
  });

  it('says durations, percentages and values for people', () => {
    expect(formatDuration(45_000)).toBe('45 s');
    expect(formatDuration(90_000)).toBe('1 min 30 s');
    expect(formatDuration(3_600_000)).toBe('1 h');
    expect(formatDuration(5_400_000)).toBe('1 h 30 min');
    expect(formatDuration(3 * 86_400_000)).toBe('3 days');
    expect(formatDuration(-5)).toBe('0 s');
    expect(formatPercent(0.1 + 0.2)).toBe('0.3 %');
    expect(formatValue(0.0213, 'rate')).toBe('2.13 %');
    expect(formatValue(null, 'rate')).toBe('—');
    expect(formatValue(12.3456, 'mean')).toBe('12.35');
  });
});

describe('guardChecks', () => {
  it('keeps what it can read of guardStats and skips the rest', () => {
    const checks = guardChecks({
      guardStats: [
        { event: '$error', verdict: 'regression', reason: 'worse', stats: { metric: 'rate', relativeChange: 4 } },
        null,
        'nonsense',
        { verdict: 7 },
      ],
    });
    expect(checks).toEqual([
      { event: '$error', verdict: 'regression', reason: 'worse', stats: { metric: 'rate', relativeChange: 4 } },
      { event: '?', verdict: 'wait', reason: '' },
    ]);
  });
});

describe('time zones', () => {
  it('shows an instant in a zone and the zone offset in force then', () => {
    const summer = new Date('2026-07-01T12:00:00Z');
    const winter = new Date('2026-12-08T12:00:00Z');
    expect(offsetLabel('Europe/Berlin', summer)).toBe('UTC+02:00');
    expect(offsetLabel('Europe/Berlin', winter)).toBe('UTC+01:00');
    expect(offsetLabel('UTC', winter)).toBe('UTC+00:00');
    expect(formatInZone('2026-12-08T02:00:00Z', 'Europe/Berlin')).toMatch(/03:00/);
    expect(formatInZone('2026-12-08T02:00:00Z', 'America/New_York')).toMatch(/09:00/);
  });

  it('starts a wall time input in the chosen zone', () => {
    expect(localInputIn('Asia/Tokyo', 60, new Date('2026-12-08T02:00:00Z'))).toBe('2026-12-08T12:00');
    expect(localInputIn('America/Los_Angeles', 0, new Date('2026-12-08T02:00:00Z'))).toBe('2026-12-07T18:00');
  });
});

describe('offsetNear', () => {
  it('gives the offset in force around the typed time, not now', () => {
    expect(offsetNear('Europe/Berlin', '2027-06-01T03:00')).toBe('UTC+02:00');
    expect(offsetNear('Europe/Berlin', '2027-01-15T03:00')).toBe('UTC+01:00');
    expect(offsetNear('America/New_York', '2027-07-04T12:00')).toBe('UTC-04:00');
  });
});
