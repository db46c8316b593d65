/**
 * What a rule (or the default rule) serves: one variant, or a percentage rollout with
 * exact numeric inputs (0.001 % steps). With two variants the rollout is one number:
 * the share of users who get the variant that isn't the off variant.
 */
import { useId } from 'react';
import { Field, GroupError } from '../components/field';
import { formatPercent } from '../model/status';
import { errorsAt, errorsUnder, percentToWeight, type FieldErrors, type ServeDraft } from '../model/rules';

export interface ServeEditorProps {
  value: ServeDraft;
  onChange(next: ServeDraft): void;
  variants: string[];
  offVariant: string;
  /** Field path for errors: `fallthrough` or `rules[0].serve`. */
  path: string;
  errors: FieldErrors;
  legend: string;
  disabled?: boolean;
}

export function ServeEditor({ value, onChange, variants, offVariant, path, errors, legend, disabled }: ServeEditorProps) {
  const name = useId();
  const two = variants.length === 2 && variants.includes(offVariant);
  const primary = two ? variants.find((v) => v !== offVariant)! : undefined;
  const set = (patch: Partial<ServeDraft>) => onChange({ ...value, ...patch });
  const rolloutErrors = errorsUnder(errors, `${path}.rollout`);
  const setPrimaryPercent = (text: string) => {
    if (!primary) return;
    const w = percentToWeight(text);
    const rest = w === undefined ? (value.weights[offVariant] ?? '') : formatPercent((100_000 - w) / 1000);
    set({ weights: { ...value.weights, [primary]: text, [offVariant]: rest } });
  };
  const primaryText = primary ? (value.weights[primary] ?? '0') : '0';
  const primaryNumber = Number(primaryText);
  return (
    <fieldset className="serve" disabled={disabled}>
      <legend>{legend}</legend>
      <div className="segmented" role="radiogroup" aria-label={`${legend}: kind`}>
        <label className="segmented__option">
          <input type="radio" name={name} checked={value.mode === 'variant'} onChange={() => set({ mode: 'variant' })} />
          <span>A variant</span>
        </label>
        <label className="segmented__option">
          <input
            type="radio"
            name={name}
            checked={value.mode === 'rollout'}
            onChange={() => {
              // Start a rollout from what was served: 100 % of that variant.
              const weights: Record<string, string> = {};
              for (const v of variants) weights[v] = v === value.variant ? '100' : '0';
              set({ mode: 'rollout', weights: value.mode === 'rollout' ? value.weights : weights });
            }}
          />
          <span>A percentage rollout</span>
        </label>
      </div>
      {value.mode === 'variant' ? (
        <Field label="Variant" errors={errorsAt(errors, `${path}.variant`)}>
          {(p) => (
            <select {...p} value={value.variant} onChange={(e) => set({ variant: e.target.value })}>
              {variants.includes(value.variant) ? null : <option value={value.variant}>{value.variant || 'Choose a variant'}</option>}
              {variants.map((v) => (
                <option key={v} value={v}>
                  {v}
                </option>
              ))}
            </select>
          )}
        </Field>
      ) : two && primary ? (
        <div className="rollout">
          <Field
            label={`Percentage of users served ${primary}`}
            hint={`The rest (${percentToWeight(primaryText) === undefined ? '…' : formatPercent(100 - primaryNumber)} %) get ${offVariant}. Steps of 0.001 %.`}
            errors={rolloutErrors}
          >
            {(p) => (
              <div className="rollout__inputs">
                <input
                  {...p}
                  className="input--percent"
                  type="text"
                  inputMode="decimal"
                  value={primaryText}
                  onChange={(e) => setPrimaryPercent(e.target.value)}
                />
                <span aria-hidden="true">%</span>
                <input
                  type="range"
                  min={0}
                  max={100}
                  step={1}
                  aria-label={`Slider: percentage of users served ${primary}`}
                  value={Number.isFinite(primaryNumber) ? primaryNumber : 0}
                  onChange={(e) => setPrimaryPercent(e.target.value)}
                />
              </div>
            )}
          </Field>
        </div>
      ) : (
        <div className="rollout rollout--split">
          {variants.map((v) => (
            <Field key={v} label={`${v} %`} errors={errorsAt(errors, `${path}.rollout.${v}`)}>
              {(p) => (
                <input
                  {...p}
                  className="input--percent"
                  type="text"
                  inputMode="decimal"
                  value={value.weights[v] ?? '0'}
                  onChange={(e) => set({ weights: { ...value.weights, [v]: e.target.value } })}
                />
              )}
            </Field>
          ))}
          <GroupError
            errors={Object.entries(errors)
              .filter(
                ([k]) =>
                  (k === `${path}.rollout` || k.startsWith(`${path}.rollout[`)) && !variants.some((v) => k === `${path}.rollout.${v}`),
              )
              .map(([, m]) => m)}
          />
        </div>
      )}
      {value.mode === 'rollout' ? (
        <Field
          label="Bucket by attribute"
          hint="Users are bucketed by this context attribute; userId when empty."
          errors={errorsAt(errors, `${path}.bucketBy`)}
          className="field--narrow"
        >
          {(p) => (
            <input {...p} type="text" value={value.bucketBy} placeholder="userId" onChange={(e) => set({ bucketBy: e.target.value })} />
          )}
        </Field>
      ) : null}
    </fieldset>
  );
}
