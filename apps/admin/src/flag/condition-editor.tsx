/** One condition: attribute, operator, and the value input that operator needs. */
import type { Operator } from '@switchboard/core';
import { useId } from 'react';
import { Field } from '../components/field';
import { OPERATORS, OPERATOR_INFO, errorsAt, withOperator, type ConditionDraft, type FieldErrors, type ValueType } from '../model/rules';

export interface ConditionEditorProps {
  value: ConditionDraft;
  onChange(next: ConditionDraft): void;
  onRemove(): void;
  /** `rules[0].conditions[1]` */
  path: string;
  index: number;
  errors: FieldErrors;
  segments: string[];
}

const VALUE_TYPES: { value: ValueType; label: string }[] = [
  { value: 'string', label: 'Text' },
  { value: 'number', label: 'Number' },
  { value: 'boolean', label: 'True or false' },
];

export function ConditionEditor({ value, onChange, onRemove, path, index, errors, segments }: ConditionEditorProps) {
  const info = OPERATOR_INFO[value.operator];
  const set = (patch: Partial<ConditionDraft>) => onChange({ ...value, ...patch });
  const valueErrors = errorsAt(errors, `${path}.values`);
  const groupId = useId();
  return (
    <fieldset className="condition">
      <legend className="condition__legend">{index === 0 ? 'If' : 'and'}</legend>
      <div className="condition__row">
        {value.operator !== 'inSegment' ? (
          <Field label="Attribute" errors={errorsAt(errors, `${path}.attribute`)} className="condition__attribute">
            {(p) => (
              <input
                {...p}
                type="text"
                list="known-attributes"
                autoComplete="off"
                spellCheck={false}
                value={value.attribute}
                placeholder="country"
                onChange={(e) => set({ attribute: e.target.value })}
              />
            )}
          </Field>
        ) : null}
        <Field label="Operator" className="condition__operator">
          {(p) => (
            <select {...p} value={value.operator} onChange={(e) => onChange(withOperator(value, e.target.value as Operator))}>
              {OPERATORS.map((op) => (
                <option key={op} value={op}>
                  {OPERATOR_INFO[op].label}
                </option>
              ))}
            </select>
          )}
        </Field>
        <div className="condition__values">
          {info.input === 'list' ? (
            <Field label="Values, one per line" hint={info.hint} errors={valueErrors}>
              {(p) => (
                <textarea
                  {...p}
                  rows={Math.min(6, Math.max(2, value.text.split('\n').length))}
                  spellCheck={false}
                  value={value.text}
                  onChange={(e) => set({ text: e.target.value })}
                />
              )}
            </Field>
          ) : info.input === 'single' ? (
            value.valueType === 'boolean' ? (
              <Field label="Value" errors={valueErrors}>
                {(p) => (
                  <select {...p} value={value.text} onChange={(e) => set({ text: e.target.value })}>
                    <option value="">Choose…</option>
                    <option value="true">true</option>
                    <option value="false">false</option>
                  </select>
                )}
              </Field>
            ) : (
              <Field
                label="Value"
                errors={valueErrors}
                hint={value.extra.length > 0 ? `${value.extra.length} more value(s) kept as they are` : undefined}
              >
                {(p) => (
                  <input
                    {...p}
                    type="text"
                    inputMode={value.valueType === 'number' ? 'decimal' : 'text'}
                    spellCheck={false}
                    value={value.text}
                    onChange={(e) => set({ text: e.target.value })}
                  />
                )}
              </Field>
            )
          ) : info.input === 'number' ? (
            <Field label="Number" errors={valueErrors}>
              {(p) => <input {...p} type="text" inputMode="decimal" value={value.text} onChange={(e) => set({ text: e.target.value })} />}
            </Field>
          ) : info.input === 'date' ? (
            <Field label="Date and time" hint="Your local time; saved in UTC" errors={valueErrors}>
              {(p) => <input {...p} type="datetime-local" value={value.text} onChange={(e) => set({ text: e.target.value })} />}
            </Field>
          ) : info.input === 'semver' ? (
            <Field label="Version" errors={valueErrors}>
              {(p) => (
                <input
                  {...p}
                  type="text"
                  spellCheck={false}
                  placeholder="1.2.3"
                  value={value.text}
                  onChange={(e) => set({ text: e.target.value })}
                />
              )}
            </Field>
          ) : info.input === 'segments' ? (
            <fieldset className="checklist" aria-describedby={valueErrors.length > 0 ? `${groupId}-err` : undefined}>
              <legend>Segments</legend>
              {segments.length === 0 ? <p className="muted">No segments yet. Create one on the Segments page.</p> : null}
              {[...new Set([...segments, ...value.segments])].map((s) => (
                <label key={s} className="check">
                  <input
                    type="checkbox"
                    checked={value.segments.includes(s)}
                    onChange={(e) => set({ segments: e.target.checked ? [...value.segments, s] : value.segments.filter((x) => x !== s) })}
                  />
                  <span>{s}</span>
                </label>
              ))}
              {valueErrors.length > 0 ? (
                <p className="field__error" role="alert" id={`${groupId}-err`}>
                  {valueErrors.join(' · ')}
                </p>
              ) : null}
            </fieldset>
          ) : (
            <p className="condition__none muted">Matches when the context has this attribute.</p>
          )}
        </div>
      </div>
      <div className="condition__options">
        {info.typed ? (
          <Field label="Value type" className="field--inline">
            {(p) => (
              <select {...p} value={value.valueType} onChange={(e) => set({ valueType: e.target.value as ValueType })}>
                {VALUE_TYPES.map((t) => (
                  <option key={t.value} value={t.value}>
                    {t.label}
                  </option>
                ))}
              </select>
            )}
          </Field>
        ) : null}
        <label className="check">
          <input type="checkbox" checked={value.negate} onChange={(e) => set({ negate: e.target.checked })} />
          <span>Negate (match when this is not true)</span>
        </label>
        {info.text ? (
          <label className="check">
            <input type="checkbox" checked={value.caseInsensitive} onChange={(e) => set({ caseInsensitive: e.target.checked })} />
            <span>Ignore case</span>
          </label>
        ) : null}
        <button type="button" className="button button--quiet" onClick={onRemove}>
          Remove condition {index + 1}
        </button>
      </div>
    </fieldset>
  );
}
