/** A labelled input with its hint and the errors the editor or the API named for it. */
import { useId, type ReactNode } from 'react';

export interface InputProps {
  id: string;
  'aria-describedby'?: string;
  'aria-invalid'?: boolean;
}

export interface FieldProps {
  label: ReactNode;
  hint?: ReactNode;
  errors?: readonly string[] | string | undefined;
  className?: string;
  /** Visually hide the label (it is still read out). */
  hideLabel?: boolean;
  children: (props: InputProps) => ReactNode;
}

export function Field({ label, hint, errors, className, hideLabel, children }: FieldProps) {
  const id = useId();
  const list = errors === undefined ? [] : typeof errors === 'string' ? [errors] : errors;
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = list.length > 0 ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${list.length > 0 ? ' field--invalid' : ''}${className ? ` ${className}` : ''}`}>
      <label htmlFor={id} className={hideLabel ? 'visually-hidden' : 'field__label'}>
        {label}
      </label>
      {children({ id, ...(describedBy ? { 'aria-describedby': describedBy } : {}), ...(list.length > 0 ? { 'aria-invalid': true } : {}) })}
      {hint ? (
        <p id={hintId} className="field__hint">
          {hint}
        </p>
      ) : null}
      {list.length > 0 ? (
        <p id={errorId} className="field__error" role="alert">
          {list.join(' · ')}
        </p>
      ) : null}
    </div>
  );
}

/** Errors for a group of inputs (e.g. a rollout's percentages). */
export function GroupError({ errors, id }: { errors: readonly string[]; id?: string }) {
  if (errors.length === 0) return null;
  return (
    <p className="field__error" role="alert" id={id}>
      {errors.join(' · ')}
    </p>
  );
}

/** A problem with the whole form, or one the API named no field for. */
export function FormError({ children }: { children: ReactNode }) {
  if (!children) return null;
  return (
    <div className="notice notice--error" role="alert">
      {children}
    </div>
  );
}
