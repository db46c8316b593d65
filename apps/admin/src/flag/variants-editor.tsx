/** A flag's variants: a key and a value of the flag's type each. */
import type { FlagType, FlagValue } from '@switchboard/core';
import { LIMITS } from '@switchboard/core/validate';
import { Field } from '../components/field';
import { errorsAt, type FieldErrors } from '../model/rules';

export interface VariantDraft {
  key: string;
  value: string;
}

export function variantsToDrafts(variants: Record<string, FlagValue>): VariantDraft[] {
  return Object.entries(variants).map(([key, v]) => ({ key, value: typeof v === 'string' ? v : JSON.stringify(v) }));
}

export function defaultVariants(type: FlagType): VariantDraft[] {
  switch (type) {
    case 'boolean':
      return [
        { key: 'on', value: 'true' },
        { key: 'off', value: 'false' },
      ];
    case 'number':
      return [
        { key: 'low', value: '10' },
        { key: 'high', value: '100' },
      ];
    case 'json':
      return [
        { key: 'a', value: '{}' },
        { key: 'b', value: '{}' },
      ];
    default:
      return [
        { key: 'control', value: 'control' },
        { key: 'treatment', value: 'treatment' },
      ];
  }
}

/** Variants for the API; errors keyed `variants.<key>` (as the API names them) or `variants#<row>.key`. */
export function draftsToVariants(
  drafts: readonly VariantDraft[],
  type: FlagType,
): { variants: Record<string, FlagValue>; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const variants: Record<string, FlagValue> = {};
  if (drafts.length === 0) errors.variants = 'Add at least one variant';
  if (drafts.length > LIMITS.maxVariants) errors.variants = `At most ${LIMITS.maxVariants} variants`;
  drafts.forEach((d, i) => {
    const key = d.key.trim();
    if (!LIMITS.keyPattern.test(key)) {
      errors[`variants#${i}.key`] =
        key === '' ? 'Enter a variant key' : 'Use letters, digits, ".", "_" or "-", starting with a letter or digit';
      return;
    }
    if (Object.hasOwn(variants, key)) {
      errors[`variants#${i}.key`] = 'Another variant has this key';
      return;
    }
    let value: FlagValue;
    if (type === 'boolean') {
      if (d.value !== 'true' && d.value !== 'false') {
        errors[`variants.${key}`] = 'Choose true or false';
        return;
      }
      value = d.value === 'true';
    } else if (type === 'number') {
      const n = Number(d.value.trim());
      if (d.value.trim() === '' || !Number.isFinite(n)) {
        errors[`variants.${key}`] = 'Enter a number';
        return;
      }
      value = n;
    } else if (type === 'json') {
      try {
        value = JSON.parse(d.value) as FlagValue;
      } catch {
        errors[`variants.${key}`] = 'Enter valid JSON, like {"limit": 3}';
        return;
      }
    } else value = d.value;
    variants[key] = value;
  });
  return { variants, errors };
}

export interface VariantsEditorProps {
  type: FlagType;
  value: VariantDraft[];
  onChange(next: VariantDraft[]): void;
  errors: FieldErrors;
  disabled?: boolean;
}

export function VariantsEditor({ type, value, onChange, errors, disabled }: VariantsEditorProps) {
  const set = (i: number, patch: Partial<VariantDraft>) => onChange(value.map((v, j) => (j === i ? { ...v, ...patch } : v)));
  return (
    <fieldset className="variants" disabled={disabled}>
      <legend>Variants</legend>
      <ol className="variants__list">
        {value.map((v, i) => (
          <li key={i} className="variants__row">
            <Field
              label={
                <>
                  Key<span className="visually-hidden"> of variant {i + 1}</span>
                </>
              }
              errors={errorsAt(errors, `variants#${i}.key`)}
              className="field--narrow"
            >
              {(p) => <input {...p} type="text" spellCheck={false} value={v.key} onChange={(e) => set(i, { key: e.target.value })} />}
            </Field>
            <Field
              label={
                <>
                  Value<span className="visually-hidden"> of variant {i + 1}</span>
                </>
              }
              errors={errorsAt(errors, `variants.${v.key.trim()}`)}
              className="variants__value"
            >
              {(p) =>
                type === 'boolean' ? (
                  <select {...p} value={v.value} onChange={(e) => set(i, { value: e.target.value })}>
                    <option value="true">true</option>
                    <option value="false">false</option>
                  </select>
                ) : type === 'json' ? (
                  <textarea
                    {...p}
                    rows={2}
                    spellCheck={false}
                    className="mono"
                    value={v.value}
                    onChange={(e) => set(i, { value: e.target.value })}
                  />
                ) : (
                  <input
                    {...p}
                    type="text"
                    inputMode={type === 'number' ? 'decimal' : 'text'}
                    value={v.value}
                    onChange={(e) => set(i, { value: e.target.value })}
                  />
                )
              }
            </Field>
            <button
              type="button"
              className="button button--quiet"
              onClick={() => onChange(value.filter((_, j) => j !== i))}
              disabled={value.length <= 1}
            >
              Remove variant {i + 1}
            </button>
          </li>
        ))}
      </ol>
      {errors.variants ? (
        <p className="field__error" role="alert">
          {errors.variants}
        </p>
      ) : null}
      <button
        type="button"
        className="button"
        onClick={() => onChange([...value, { key: '', value: type === 'boolean' ? 'false' : type === 'json' ? '{}' : '' }])}
      >
        Add variant
      </button>
    </fieldset>
  );
}
