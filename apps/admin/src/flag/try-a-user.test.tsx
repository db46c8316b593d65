/**
 * "Try a user" against a stand-in API: the context it sends (typed values, empty rows left
 * out), the answer shown as result and trace, and a refused field shown beside its row.
 */
import { ApiError, type Explanation } from '@switchboard/api-client';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { AdminApi } from '../api/client';
import { AppContext, type AppContextValue } from '../app-context';
import type { LiveFeed } from '../live';
import { attributeValue, TryAUser } from './try-a-user';

const ANSWER: Explanation = {
  environment: 'production',
  revision: 42,
  explanation: {
    flag: 'checkout',
    result: { value: true, variant: 'on', reason: 'TARGETING_MATCH', ruleId: 'eu-adults' },
    found: true,
    enabled: true,
    prerequisites: [],
    rules: [
      {
        index: 0,
        id: 'staff',
        matched: false,
        conditions: [{ attribute: 'email', operator: 'endsWith', values: ['@acme.com'], outcome: 'noMatch' }],
      },
      {
        index: 1,
        id: 'eu-adults',
        matched: true,
        conditions: [
          { attribute: 'country', operator: 'in', values: ['DE', 'FR'], actual: 'DE', outcome: 'match' },
          {
            operator: 'inSegment',
            values: ['adults'],
            outcome: 'match',
            segments: [{ key: 'adults', outcome: 'match', decidedBy: 'included', conditions: [] }],
          },
        ],
      },
    ],
    serve: { from: 'rule', ruleId: 'eu-adults' },
  },
};

function setup(flag: AdminApi['explain']['flag']) {
  const api = { explain: { flag } } as unknown as AdminApi;
  const live = { subscribe: () => () => {} } as unknown as LiveFeed;
  const value = { api, live, toast: vi.fn(), environments: [], environment: 'production' } as unknown as AppContextValue;
  const user = userEvent.setup();
  render(
    <AppContext.Provider value={value}>
      <TryAUser flagKey="checkout" environment={{ key: 'production', name: 'Production' }} />
    </AppContext.Provider>,
  );
  return { user, form: screen.getByRole('form', { name: 'Try a user' }) };
}

describe('TryAUser', () => {
  it('sends the user and typed attributes, and shows the result with each rule and condition', async () => {
    const flag = vi.fn(async () => ANSWER);
    const { user, form } = setup(flag);
    await user.type(within(form).getByLabelText('User id'), 'u1');
    await user.type(within(form).getByLabelText('Attribute 1'), 'country');
    await user.type(within(form).getByLabelText('Value 1'), 'DE');
    await user.click(within(form).getByRole('button', { name: 'Add attribute' }));
    await user.type(within(form).getByLabelText('Attribute 2'), 'age');
    await user.type(within(form).getByLabelText('Value 2'), '30');
    await user.click(within(form).getByRole('button', { name: 'Add attribute' }));
    await user.click(within(form).getByRole('button', { name: 'Evaluate in Production' }));

    expect(flag).toHaveBeenCalledWith('checkout', 'production', { userId: 'u1', country: 'DE', age: 30 });
    const result = await screen.findByRole('region', { name: 'Explanation' });
    expect(result.textContent).toContain('production at revision 42');
    expect(result.textContent).toContain('checkout: on true · TARGETING_MATCH · rule eu-adults');
    const steps = within(result).getAllByRole('listitem');
    expect(steps[0]!.textContent).toMatch(/^Rule 1 \(staff\): not matched/);
    expect(within(steps[0]!).getByLabelText('does not hold')).toBeTruthy();
    expect(steps[0]!.textContent).toContain('user: missing');
    expect(result.textContent).toContain('Rule 2 (eu-adults): matched');
    expect(result.textContent).toContain('country in "DE", "FR" · user: "DE"');
    expect(result.textContent).toContain('segment adults: ✓ · included by user id');
    expect(result.textContent).toContain('Served by the rule eu-adults');
  });

  it('shows a field the server refuses beside its row', async () => {
    const flag = vi.fn(async () => {
      throw new ApiError({ status: 400, code: 'VALIDATION_FAILED', message: 'context.country must be a string', field: 'context.country' });
    });
    const { user, form } = setup(flag);
    await user.type(within(form).getByLabelText('Attribute 1'), 'country');
    await user.type(within(form).getByLabelText('Value 1'), 'DE');
    await user.click(within(form).getByRole('button', { name: 'Evaluate in Production' }));
    const input = within(form).getByLabelText('Attribute 1');
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect((await within(form).findByRole('alert')).textContent).toContain('context.country must be a string');
    expect(screen.queryByRole('region', { name: 'Explanation' })).toBeNull();
  });

  it('asks for a name when a row has only a value, without calling the server', async () => {
    const flag = vi.fn(async () => ANSWER);
    const { user, form } = setup(flag);
    await user.type(within(form).getByLabelText('Value 1'), 'DE');
    await user.click(within(form).getByRole('button', { name: 'Evaluate in Production' }));
    expect(within(form).getByRole('alert').textContent).toBe('Name the attribute');
    expect(flag).not.toHaveBeenCalled();
  });

  it('types numbers and booleans, and takes a quoted value as text', () => {
    expect([attributeValue('42'), attributeValue('-1.5'), attributeValue('true'), attributeValue('"42"'), attributeValue('DE')]).toEqual([
      42,
      -1.5,
      true,
      '42',
      'DE',
    ]);
  });
});
