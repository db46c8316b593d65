/**
 * The rules editor on its own: every operator's value input, what each turns into, and
 * the validation messages shown beside the field they concern (including the ones the
 * API names by field path).
 */
import type { Operator, Rule } from '@switchboard/core';
import { act, fireEvent, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { draftsToRules, fromLocalInput, OPERATORS, ruleToDraft, type FieldErrors, type RuleDraft } from '../model/rules';
import { RulesEditor } from './rules-editor';

const VARIANTS = ['on', 'off'];
const SEGMENTS = ['beta-testers', 'staff'];

interface Result {
  rules: Rule[];
  errors: FieldErrors;
}

/** The editor with its state, and a Validate button doing what the page's Save does first. */
function Harness({
  initial = [],
  serverErrors,
  onResult,
}: {
  initial?: Rule[];
  serverErrors?: FieldErrors;
  onResult?: (r: Result) => void;
}) {
  const [rules, setRules] = useState<RuleDraft[]>(() => initial.map((r) => ruleToDraft(r, VARIANTS)));
  const [errors, setErrors] = useState<FieldErrors>(serverErrors ?? {});
  return (
    <>
      <RulesEditor rules={rules} onChange={setRules} variants={VARIANTS} offVariant="off" segments={SEGMENTS} errors={errors} />
      <button
        type="button"
        onClick={() => {
          const r = draftsToRules(rules, { variants: VARIANTS, segments: SEGMENTS });
          setErrors(r.errors);
          onResult?.(r);
        }}
      >
        Validate
      </button>
    </>
  );
}

function setup(props: Parameters<typeof Harness>[0] = {}) {
  let last: Result | undefined;
  const user = userEvent.setup();
  render(<Harness {...props} onResult={(r) => (last = r)} />);
  const validate = async () => {
    await user.click(screen.getByRole('button', { name: 'Validate' }));
    return last!;
  };
  return { user, validate };
}

const rule1 = () => screen.getByRole('group', { name: /^Rule 1/ });
const condition1 = () => within(rule1()).getAllByRole('group', { name: 'If' })[0]!;

async function addRuleWith(user: ReturnType<typeof userEvent.setup>, operator: Operator, attribute = 'attr') {
  await user.click(screen.getByRole('button', { name: 'Add rule' }));
  await user.selectOptions(within(condition1()).getByLabelText('Operator'), operator);
  if (operator !== 'inSegment') await user.type(within(condition1()).getByLabelText('Attribute'), attribute);
}

/** For each operator: how its value is entered, and the condition that results. */
const CASES: {
  operator: Operator;
  input: string | null;
  enter: (c: HTMLElement, user: ReturnType<typeof userEvent.setup>) => Promise<void>;
  values: unknown[];
}[] = [
  {
    operator: 'in',
    input: 'Values, one per line',
    enter: (c, u) => u.type(within(c).getByLabelText('Values, one per line'), 'DE{enter}FR'),
    values: ['DE', 'FR'],
  },
  {
    operator: 'notIn',
    input: 'Values, one per line',
    enter: (c, u) => u.type(within(c).getByLabelText('Values, one per line'), 'gold'),
    values: ['gold'],
  },
  { operator: 'eq', input: 'Value', enter: (c, u) => u.type(within(c).getByLabelText('Value'), 'alice'), values: ['alice'] },
  { operator: 'neq', input: 'Value', enter: (c, u) => u.type(within(c).getByLabelText('Value'), 'bob'), values: ['bob'] },
  {
    operator: 'contains',
    input: 'Values, one per line',
    enter: (c, u) => u.type(within(c).getByLabelText('Values, one per line'), 'beta'),
    values: ['beta'],
  },
  {
    operator: 'startsWith',
    input: 'Values, one per line',
    enter: (c, u) => u.type(within(c).getByLabelText('Values, one per line'), 'admin-'),
    values: ['admin-'],
  },
  {
    operator: 'endsWith',
    input: 'Values, one per line',
    enter: (c, u) => u.type(within(c).getByLabelText('Values, one per line'), '@acme.com'),
    values: ['@acme.com'],
  },
  {
    operator: 'matches',
    input: 'Values, one per line',
    enter: (c, u) => u.type(within(c).getByLabelText('Values, one per line'), '^a+b$'),
    values: ['^a+b$'],
  },
  { operator: 'lt', input: 'Number', enter: (c, u) => u.type(within(c).getByLabelText('Number'), '10'), values: [10] },
  { operator: 'lte', input: 'Number', enter: (c, u) => u.type(within(c).getByLabelText('Number'), '10.5'), values: [10.5] },
  { operator: 'gt', input: 'Number', enter: (c, u) => u.type(within(c).getByLabelText('Number'), '-3'), values: [-3] },
  { operator: 'gte', input: 'Number', enter: (c, u) => u.type(within(c).getByLabelText('Number'), '0'), values: [0] },
  {
    operator: 'before',
    input: 'Date and time',
    enter: async (c) => {
      fireEvent.change(within(c).getByLabelText('Date and time'), { target: { value: '2030-01-02T03:04' } });
    },
    values: [fromLocalInput('2030-01-02T03:04')],
  },
  {
    operator: 'after',
    input: 'Date and time',
    enter: async (c) => {
      fireEvent.change(within(c).getByLabelText('Date and time'), { target: { value: '2024-06-30T23:59' } });
    },
    values: [fromLocalInput('2024-06-30T23:59')],
  },
  { operator: 'semverEq', input: 'Version', enter: (c, u) => u.type(within(c).getByLabelText('Version'), '1.2.3'), values: ['1.2.3'] },
  { operator: 'semverLt', input: 'Version', enter: (c, u) => u.type(within(c).getByLabelText('Version'), '2.0.0'), values: ['2.0.0'] },
  {
    operator: 'semverGt',
    input: 'Version',
    enter: (c, u) => u.type(within(c).getByLabelText('Version'), '1.10.0-beta.1'),
    values: ['1.10.0-beta.1'],
  },
  { operator: 'exists', input: null, enter: async () => {}, values: [] },
  { operator: 'inSegment', input: 'staff', enter: (c, u) => u.click(within(c).getByLabelText('staff')), values: ['staff'] },
];

describe('rules editor: a value input for every operator', () => {
  it('covers every operator the core knows', () => {
    expect(CASES.map((c) => c.operator).sort()).toEqual([...OPERATORS].sort());
  });

  for (const c of CASES) {
    it(`${c.operator}: ${c.input ? `"${c.input}"` : 'no value'} → values ${JSON.stringify(c.values)}`, async () => {
      const { user, validate } = setup();
      await addRuleWith(user, c.operator);
      const cond = condition1();
      // Only this operator's input is shown.
      const inputs = ['Values, one per line', 'Value', 'Number', 'Date and time', 'Version'];
      for (const label of inputs) {
        if (label === c.input) expect(within(cond).getByLabelText(label)).toBeTruthy();
        else expect(within(cond).queryByLabelText(label)).toBeNull();
      }
      if (c.operator === 'exists') expect(within(cond).getByText('Matches when the context has this attribute.')).toBeTruthy();
      if (c.operator === 'inSegment') {
        expect(within(cond).queryByLabelText('Attribute')).toBeNull();
        expect(within(cond).getByRole('group', { name: 'Segments' })).toBeTruthy();
      }
      await c.enter(cond, user);
      const result = await validate();
      expect(result.errors).toEqual({});
      const condition = result.rules[0]!.conditions[0]!;
      expect(condition.operator).toBe(c.operator);
      expect(condition.values).toEqual(c.values);
      if (c.operator === 'inSegment') expect(condition).not.toHaveProperty('attribute');
      else expect(condition.attribute).toBe('attr');
    });
  }

  it('types equality values: numbers and booleans are not strings', async () => {
    const { user, validate } = setup();
    await addRuleWith(user, 'in', 'age');
    await user.selectOptions(within(condition1()).getByLabelText('Value type'), 'number');
    await user.type(within(condition1()).getByLabelText('Values, one per line'), '18{enter}21');
    let result = await validate();
    expect(result.rules[0]!.conditions[0]!.values).toEqual([18, 21]);

    await user.selectOptions(within(condition1()).getByLabelText('Operator'), 'eq');
    await user.selectOptions(within(condition1()).getByLabelText('Value type'), 'boolean');
    await user.selectOptions(within(condition1()).getByLabelText('Value'), 'true');
    result = await validate();
    expect(result.rules[0]!.conditions[0]!.values).toEqual([true]);
  });

  it('keeps negation, case-insensitivity and what to serve', async () => {
    const { user, validate } = setup();
    await addRuleWith(user, 'endsWith', 'email');
    await user.type(within(condition1()).getByLabelText('Values, one per line'), '@ACME.com');
    await user.click(within(condition1()).getByLabelText('Negate (match when this is not true)'));
    await user.click(within(condition1()).getByLabelText('Ignore case'));
    const serve = within(rule1()).getByRole('group', { name: 'Then serve (rule 1)' });
    await user.click(within(serve).getByLabelText('A percentage rollout'));
    await user.clear(within(serve).getByLabelText('Percentage of users served on'));
    await user.type(within(serve).getByLabelText('Percentage of users served on'), '12.345');
    expect(within(serve).getByText(/The rest \(87\.655 %\) get off/)).toBeTruthy();
    const result = await validate();
    expect(result.errors).toEqual({});
    expect(result.rules[0]).toEqual({
      id: 'rule-1',
      conditions: [{ attribute: 'email', operator: 'endsWith', values: ['@ACME.com'], negate: true, caseInsensitive: true }],
      serve: {
        rollout: [
          { variant: 'on', weight: 12_345 },
          { variant: 'off', weight: 87_655 },
        ],
      },
    });
  });

  it('edits existing rules without losing values it shows no input for', async () => {
    const initial: Rule[] = [
      { id: 'many', conditions: [{ attribute: 'plan', operator: 'eq', values: ['gold', 'silver'] }], serve: { variant: 'on' } },
    ];
    const { user, validate } = setup({ initial });
    expect(within(condition1()).getByText('1 more value(s) kept as they are')).toBeTruthy();
    await user.clear(within(condition1()).getByLabelText('Value'));
    await user.type(within(condition1()).getByLabelText('Value'), 'platinum');
    const result = await validate();
    expect(result.rules[0]!.conditions[0]!.values).toEqual(['platinum', 'silver']);
  });

  it('adds, moves and deletes rules and conditions', async () => {
    const initial: Rule[] = [
      { id: 'first', conditions: [{ attribute: 'a', operator: 'exists', values: [] }], serve: { variant: 'on' } },
      { id: 'second', conditions: [], serve: { variant: 'off' } },
    ];
    const { user, validate } = setup({ initial });
    await user.click(screen.getByRole('button', { name: 'Move rule 2 up' }));
    let result = await validate();
    expect(result.rules.map((r) => r.id)).toEqual(['second', 'first']);
    await user.click(screen.getByRole('button', { name: 'Add condition to rule 1' }));
    await user.click(within(rule1()).getByRole('button', { name: 'Remove condition 1' }));
    await user.click(screen.getByRole('button', { name: 'Delete rule 2' }));
    await user.click(screen.getByRole('button', { name: 'Add rule' }));
    result = await validate();
    expect(result.rules.map((r) => r.id)).toEqual(['second', 'rule-2']);
    expect(result.rules[0]!.conditions).toEqual([]);
    expect(result.errors['rules[1].conditions[0].attribute']).toBe('Enter an attribute, like country or email');
  });
});

describe('rules editor: validation messages beside their fields', () => {
  async function messageFor(label: string, container: HTMLElement = condition1()): Promise<string | null> {
    const input = within(container).getByLabelText(label);
    const ids = (input.getAttribute('aria-describedby') ?? '').split(' ').filter(Boolean);
    const texts = ids.map((id) => document.getElementById(id)).filter((el) => el?.classList.contains('field__error'));
    expect(input.getAttribute('aria-invalid')).toBe(texts.length > 0 ? 'true' : null);
    return texts[0]?.textContent ?? null;
  }

  it('names a missing or malformed attribute', async () => {
    const { user, validate } = setup();
    await user.click(screen.getByRole('button', { name: 'Add rule' }));
    await user.type(within(condition1()).getByLabelText('Values, one per line'), 'x');
    await validate();
    expect(await messageFor('Attribute')).toBe('Enter an attribute, like country or email');
    await user.type(within(condition1()).getByLabelText('Attribute'), '1country');
    await validate();
    expect(await messageFor('Attribute')).toBe('Attributes start with a letter, _ or $ and use letters, digits, _ $ . or -');
  });

  const MESSAGES: { operator: Operator; label: string; text?: string; value?: string; type?: string; message: string }[] = [
    { operator: 'in', label: 'Values, one per line', message: 'Enter at least one value' },
    {
      operator: 'in',
      label: 'Values, one per line',
      type: 'number',
      text: '12{enter}twelve',
      message: 'Value 2: "twelve" is not a number',
    },
    { operator: 'eq', label: 'Value', message: 'Enter a value' },
    { operator: 'contains', label: 'Values, one per line', text: '   ', message: 'Enter at least one value' },
    {
      operator: 'matches',
      label: 'Values, one per line',
      text: '(a)\\1',
      message: 'Value 1: Must be a supported regular expression (no backreferences or lookaround)',
    },
    { operator: 'lt', label: 'Number', message: 'Enter a number' },
    { operator: 'gte', label: 'Number', text: 'ten', message: 'Value 1: "ten" is not a number' },
    { operator: 'before', label: 'Date and time', message: 'Enter a date and time' },
    { operator: 'semverLt', label: 'Version', text: '1.x', message: 'Value 1: Must be a semantic version like 1.2.3' },
    { operator: 'semverEq', label: 'Version', message: 'Enter a version like 1.2.3' },
  ];

  for (const m of MESSAGES) {
    it(`${m.operator}${m.text ? ` "${m.text}"` : ' with nothing entered'}: "${m.message}"`, async () => {
      const { user, validate } = setup();
      await addRuleWith(user, m.operator);
      if (m.type) await user.selectOptions(within(condition1()).getByLabelText('Value type'), m.type);
      if (m.text) await user.type(within(condition1()).getByLabelText(m.label), m.text);
      const result = await validate();
      expect(Object.keys(result.errors).every((k) => k.startsWith('rules[0].conditions[0].values'))).toBe(true);
      expect(await messageFor(m.label)).toBe(m.message);
    });
  }

  it('inSegment: asks for a segment, and refuses one that does not exist', async () => {
    const { user, validate } = setup({
      initial: [{ id: 'seg', conditions: [{ attribute: 'userId', operator: 'inSegment', values: ['gone'] }], serve: { variant: 'on' } }],
    });
    await validate();
    expect(within(condition1()).getByRole('alert').textContent).toBe('Value 1: Segment "gone" does not exist');
    await user.click(within(condition1()).getByLabelText('gone'));
    await validate();
    expect(within(condition1()).getByRole('alert').textContent).toBe('Choose at least one segment');
    await user.click(within(condition1()).getByLabelText('beta-testers'));
    expect((await validate()).errors).toEqual({});
  });

  it('rule ids: required, well-formed, unique', async () => {
    const { user, validate } = setup({
      initial: [
        { id: 'same', conditions: [], serve: { variant: 'on' } },
        { id: 'same', conditions: [], serve: { variant: 'on' } },
      ],
    });
    await validate();
    const rule2 = screen.getByRole('group', { name: /^Rule 2/ });
    expect(await messageFor('Rule id', rule2)).toBe('Rule 1 already uses this id');
    await user.clear(within(rule2).getByLabelText('Rule id'));
    await validate();
    expect(await messageFor('Rule id', rule2)).toBe('Enter a rule id');
    await user.type(within(rule2).getByLabelText('Rule id'), 'no spaces');
    await validate();
    expect(await messageFor('Rule id', rule2)).toBe('Use letters, digits, ".", "_" or "-", starting with a letter or digit');
  });

  it('rollout percentages: 0-100 in 0.001 steps, adding up to 100', async () => {
    const { user, validate } = setup({
      initial: [
        {
          id: 'split',
          conditions: [],
          serve: {
            rollout: [
              { variant: 'on', weight: 50_000 },
              { variant: 'off', weight: 50_000 },
            ],
          },
        },
      ],
    });
    const serve = within(rule1()).getByRole('group', { name: 'Then serve (rule 1)' });
    const pct = within(serve).getByLabelText('Percentage of users served on');
    expect((pct as HTMLInputElement).value).toBe('50');
    await user.clear(pct);
    await user.type(pct, '12.3456');
    await validate();
    expect(await messageFor('Percentage of users served on', serve as unknown as HTMLElement)).toBe(
      'Enter a percentage from 0 to 100, at most 3 decimals',
    );
    await user.clear(pct);
    await user.type(pct, '150');
    await validate();
    expect(await messageFor('Percentage of users served on', serve as unknown as HTMLElement)).toBe(
      'Enter a percentage from 0 to 100, at most 3 decimals',
    );
    await user.clear(pct);
    await user.type(pct, '99.999');
    expect((await validate()).errors).toEqual({});
  });

  it('rollouts over more variants: one input each, adding up to 100', () => {
    const variants = ['a', 'b', 'c'];
    // Weights out of any total read as percentages that add up to exactly 100.
    const thirds = ruleToDraft(
      { id: 'abc', conditions: [], serve: { rollout: variants.map((variant) => ({ variant, weight: 1 })) } },
      variants,
    );
    expect(thirds.serve.weights).toEqual({ a: '33.334', b: '33.333', c: '33.333' });
    expect(draftsToRules([thirds], { variants }).errors).toEqual({});
    const edited = { ...thirds, serve: { ...thirds.serve, weights: { a: '50', b: '40', c: '0' } } };
    expect(draftsToRules([edited], { variants }).errors).toEqual({ 'rules[0].serve.rollout': 'Percentages must add up to 100 (now 90)' });
  });

  it('rollouts over more variants: the message shows under the percentages', async () => {
    const variants = ['a', 'b', 'c'];
    let errors: FieldErrors = {};
    function Three() {
      const [rules, setRules] = useState([
        ruleToDraft({ id: 'abc', conditions: [], serve: { rollout: [{ variant: 'a', weight: 1 }] } }, variants),
      ]);
      const [shown, setShown] = useState<FieldErrors>({});
      return (
        <>
          <RulesEditor rules={rules} onChange={setRules} variants={variants} offVariant="c" segments={[]} errors={shown} />
          <button type="button" onClick={() => setShown((errors = draftsToRules(rules, { variants }).errors))}>
            Validate
          </button>
        </>
      );
    }
    const user = userEvent.setup();
    render(<Three />);
    const serve = within(rule1()).getByRole('group', { name: 'Then serve (rule 1)' });
    expect((within(serve).getByLabelText('a %') as HTMLInputElement).value).toBe('100');
    await user.clear(within(serve).getByLabelText('a %'));
    await user.type(within(serve).getByLabelText('a %'), '60');
    await user.clear(within(serve).getByLabelText('b %'));
    await user.type(within(serve).getByLabelText('b %'), '30');
    await user.click(screen.getByRole('button', { name: 'Validate' }));
    expect(errors).toEqual({ 'rules[0].serve.rollout': 'Percentages must add up to 100 (now 90)' });
    expect(within(serve).getByRole('alert').textContent).toBe('Percentages must add up to 100 (now 90)');
    await user.clear(within(serve).getByLabelText('c %'));
    await user.type(within(serve).getByLabelText('c %'), 'ten');
    await user.click(screen.getByRole('button', { name: 'Validate' }));
    expect(errors).toEqual({ 'rules[0].serve.rollout.c': 'Enter a percentage from 0 to 100, at most 3 decimals' });
  });

  it('shows an error the API named by field path beside that field', async () => {
    await act(async () => {
      setup({
        initial: [{ id: 'r', conditions: [{ attribute: 'email', operator: 'matches', values: ['ok'] }], serve: { variant: 'on' } }],
        serverErrors: { 'rules[0].conditions[0].values[0]': 'must be a supported regular expression (no backreferences or lookaround)' },
      });
    });
    expect(await messageFor('Values, one per line')).toBe(
      'Value 1: must be a supported regular expression (no backreferences or lookaround)',
    );
    expect(await messageFor('Attribute')).toBeNull();
  });
});
