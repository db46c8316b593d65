/** Prerequisites: other flags that must serve a given variant (for the same context) first. */
import type { Prerequisite } from '@switchboard/core';
import { Field } from '../components/field';
import { errorsAt, type FieldErrors } from '../model/rules';

export interface PrerequisitesEditorProps {
  value: Prerequisite[];
  onChange(next: Prerequisite[]): void;
  /** Other flags and their variants (those loaded so far). */
  flags: Record<string, string[]>;
  /** Asks for every flag's variants, the first time the picker is used (the page doesn't load them up front). */
  onNeedFlags?: () => void;
  /** False until `flags` holds every flag. */
  flagsLoaded?: boolean;
  flagKey: string;
  errors: FieldErrors;
  disabled?: boolean;
}

export function PrerequisitesEditor({
  value,
  onChange,
  flags,
  flagKey,
  errors,
  disabled,
  onNeedFlags,
  flagsLoaded = true,
}: PrerequisitesEditorProps) {
  const others = Object.keys(flags)
    .filter((k) => k !== flagKey)
    .sort();
  const set = (i: number, patch: Partial<Prerequisite>) => onChange(value.map((p, j) => (j === i ? { ...p, ...patch } : p)));
  return (
    <fieldset className="prerequisites" disabled={disabled}>
      <legend>Prerequisites</legend>
      <p className="muted small">This flag serves its off variant unless each of these flags serves the given variant.</p>
      {value.length === 0 ? <p className="muted">None.</p> : null}
      <ol className="prerequisites__list">
        {value.map((p, i) => (
          <li key={i} className="prerequisites__row">
            <Field label={`Prerequisite ${i + 1}: flag`} errors={errorsAt(errors, `prerequisites[${i}].flag`)}>
              {(props) => (
                <select
                  {...props}
                  onFocus={onNeedFlags}
                  value={p.flag}
                  onChange={(e) => set(i, { flag: e.target.value, variant: flags[e.target.value]?.[0] ?? '' })}
                >
                  <option value="">Choose a flag…</option>
                  {p.flag && !others.includes(p.flag) ? <option value={p.flag}>{p.flag}</option> : null}
                  {others.map((k) => (
                    <option key={k} value={k}>
                      {k}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field label={`Prerequisite ${i + 1}: serves variant`} errors={errorsAt(errors, `prerequisites[${i}].variant`)}>
              {(props) => (
                <select {...props} value={p.variant} onChange={(e) => set(i, { variant: e.target.value })}>
                  {p.variant && !(flags[p.flag] ?? []).includes(p.variant) ? <option value={p.variant}>{p.variant}</option> : null}
                  {(flags[p.flag] ?? []).map((v) => (
                    <option key={v} value={v}>
                      {v}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <button type="button" className="button button--quiet" onClick={() => onChange(value.filter((_, j) => j !== i))}>
              Remove prerequisite {i + 1}
            </button>
          </li>
        ))}
      </ol>
      {errorsAt(errors, 'prerequisites').length > 0 ? (
        <p className="field__error" role="alert">
          {errorsAt(errors, 'prerequisites').join(' · ')}
        </p>
      ) : null}
      <button
        type="button"
        className="button"
        onClick={() => {
          onNeedFlags?.();
          onChange([...value, { flag: '', variant: '' }]);
        }}
        disabled={flagsLoaded && others.length === 0}
      >
        Add prerequisite
      </button>
    </fieldset>
  );
}
