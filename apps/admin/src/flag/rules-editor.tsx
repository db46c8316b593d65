/**
 * The rules editor: an ordered list of rules, each a set of conditions that must all
 * match and what to serve then. The first matching rule wins.
 */
import { FormError } from '../components/field';
import { Field } from '../components/field';
import { emptyCondition, errorsAt, newRule, type FieldErrors, type RuleDraft } from '../model/rules';
import { ConditionEditor } from './condition-editor';
import { ServeEditor } from './serve-editor';

export interface RulesEditorProps {
  rules: RuleDraft[];
  onChange(next: RuleDraft[]): void;
  variants: string[];
  offVariant: string;
  segments: string[];
  errors: FieldErrors;
  disabled?: boolean;
}

export const KNOWN_ATTRIBUTES = ['userId', 'email', 'country', 'plan', 'appVersion', 'createdAt', 'groups'];

export function RulesEditor({ rules, onChange, variants, offVariant, segments, errors, disabled }: RulesEditorProps) {
  const update = (i: number, next: RuleDraft) => onChange(rules.map((r, j) => (j === i ? next : r)));
  const move = (i: number, by: number) => {
    const j = i + by;
    if (j < 0 || j >= rules.length) return;
    const next = [...rules];
    [next[i], next[j]] = [next[j]!, next[i]!];
    onChange(next);
  };
  return (
    <div className="rules">
      <datalist id="known-attributes">
        {KNOWN_ATTRIBUTES.map((a) => (
          <option key={a} value={a} />
        ))}
      </datalist>
      {rules.length === 0 ? <p className="muted">No rules: everyone gets the default rule.</p> : null}
      <ol className="rules__list">
        {rules.map((rule, i) => {
          const path = `rules[${i}]`;
          return (
            <li key={rule.uid} className="rule">
              <fieldset disabled={disabled} className="rule__box">
                <legend className="rule__legend">
                  Rule {i + 1}
                  <span className="visually-hidden">: {rule.id}</span>
                </legend>
                <div className="rule__head">
                  <Field label="Rule id" errors={errorsAt(errors, `${path}.id`)} className="field--narrow">
                    {(p) => (
                      <input
                        {...p}
                        type="text"
                        spellCheck={false}
                        value={rule.id}
                        onChange={(e) => update(i, { ...rule, id: e.target.value })}
                      />
                    )}
                  </Field>
                  <div className="rule__actions">
                    <button type="button" className="button button--quiet" onClick={() => move(i, -1)} disabled={i === 0}>
                      Move rule {i + 1} up
                    </button>
                    <button type="button" className="button button--quiet" onClick={() => move(i, 1)} disabled={i === rules.length - 1}>
                      Move rule {i + 1} down
                    </button>
                    <button
                      type="button"
                      className="button button--quiet button--danger-text"
                      onClick={() => onChange(rules.filter((_, j) => j !== i))}
                    >
                      Delete rule {i + 1}
                    </button>
                  </div>
                </div>
                <FormError>{errorsAt(errors, `${path}.conditions`).join(' · ')}</FormError>
                {rule.conditions.length === 0 ? <p className="muted">No conditions: this rule matches everyone.</p> : null}
                {rule.conditions.map((c, j) => (
                  <ConditionEditor
                    key={j}
                    index={j}
                    value={c}
                    path={`${path}.conditions[${j}]`}
                    errors={errors}
                    segments={segments}
                    onChange={(next) => update(i, { ...rule, conditions: rule.conditions.map((x, k) => (k === j ? next : x)) })}
                    onRemove={() => update(i, { ...rule, conditions: rule.conditions.filter((_, k) => k !== j) })}
                  />
                ))}
                <button
                  type="button"
                  className="button"
                  onClick={() => update(i, { ...rule, conditions: [...rule.conditions, emptyCondition()] })}
                >
                  Add condition to rule {i + 1}
                </button>
                <ServeEditor
                  legend={`Then serve (rule ${i + 1})`}
                  value={rule.serve}
                  onChange={(serve) => update(i, { ...rule, serve })}
                  variants={variants}
                  offVariant={offVariant}
                  path={`${path}.serve`}
                  errors={errors}
                />
                <FormError>{errorsAt(errors, `${path}.serve`).join(' · ')}</FormError>
              </fieldset>
            </li>
          );
        })}
      </ol>
      <button
        type="button"
        className="button"
        disabled={disabled}
        onClick={() => onChange([...rules, newRule(rules, variants, offVariant)])}
      >
        Add rule
      </button>
    </div>
  );
}
