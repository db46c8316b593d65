import type { FlagStaleness } from '@switchboard/api-client';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { StaleBadge, StaleFilter, UsageSummary, staleReason, thresholdText } from './stale-badge';

const LAUNCHED: FlagStaleness = {
  stale: true,
  status: 'launched',
  staleAfterDays: 14,
  staleAfterDaysOverride: null,
  staleSince: '2026-03-30T08:00:12.410Z',
  lastEvaluatedAt: '2026-04-02T16:41:00.000Z',
  environments: {
    production: { lastEvaluatedAt: '2026-04-02T16:41:00.000Z', variantsServed: ['on'] },
    staging: { lastEvaluatedAt: '2026-04-02T16:39:00.000Z', variantsServed: ['on'] },
  },
};

describe('StaleBadge', () => {
  it('names why a stale flag is stale', () => {
    render(<StaleBadge staleness={LAUNCHED} />);
    const badge = screen.getByText('Stale · launched');
    expect(badge.getAttribute('title')).toBe(
      'Served “on” in every environment for 14 days: fully launched. Consider removing it from code.',
    );
    expect(staleReason({ ...LAUNCHED, status: 'inactive', environments: {}, staleAfterDays: 0.25 })).toBe(
      'Not evaluated anywhere for 6 hours: probably unused. Consider removing it from code.',
    );
  });

  it('shows nothing for a flag that is not stale, or without staleness (an older server)', () => {
    const { container } = render(
      <>
        <StaleBadge staleness={{ ...LAUNCHED, stale: false, status: 'active' }} />
        <StaleBadge staleness={undefined} />
      </>,
    );
    expect(container.textContent).toBe('');
  });
});

describe('StaleFilter', () => {
  it('reports the box being ticked and cleared', async () => {
    const onChange = vi.fn();
    render(<StaleFilter checked={false} onChange={onChange} />);
    await userEvent.click(screen.getByLabelText('Stale only'));
    expect(onChange).toHaveBeenCalledWith(true);
  });
});

describe('thresholdText', () => {
  it('says days, hours, minutes or seconds', () => {
    expect([14, 1, 1.5, 0.25, 1 / 48, 2 / 86_400].map(thresholdText)).toEqual([
      '14 days',
      '1 day',
      '1.5 days',
      '6 hours',
      '30 minutes',
      '2 seconds',
    ]);
  });
});

describe('UsageSummary', () => {
  it('says when it was last evaluated and what each environment served', () => {
    const at = new Date(Date.now() - 5 * 60_000).toISOString();
    const { rerender } = render(
      <UsageSummary
        staleness={{
          ...LAUNCHED,
          lastEvaluatedAt: at,
          environments: { ...LAUNCHED.environments, development: { lastEvaluatedAt: at, variantsServed: [] } },
        }}
      />,
    );
    expect(screen.getByLabelText('Usage').textContent).toBe(
      'Last evaluated 5 min ago · served in the last 14 days: production: on · staging: on · development: nothing recently',
    );
    rerender(<UsageSummary staleness={{ ...LAUNCHED, stale: false, status: 'new', lastEvaluatedAt: null, environments: {} }} />);
    expect(screen.getByLabelText('Usage').textContent).toBe('Never evaluated by an SDK · too new to judge (14 days)');
  });
});
