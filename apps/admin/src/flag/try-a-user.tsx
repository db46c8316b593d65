/**
 * "Try a user": type a user id and attributes, and see what that user gets for the flag in
 * this environment and why — the server's explain answer (the snapshot SDKs get, the same
 * evaluator): value, variant and reason, then each prerequisite, each rule reached with every
 * condition's outcome and the user's value, each segment's membership, and the serve.
 */
import { useState, type FormEvent } from 'react';
import type { Environment, ExplainContext, Explanation, FlagExplanation } from '@switchboard/api-client';
import { errorMessage, isApiError } from '../api/client';
import { useApp } from '../app-context';
import { Field, FormError } from '../components/field';

interface AttributeRow {
  id: number;
  name: string;
  value: string;
}

export interface TryAUserProps {
  flagKey: string;
  environment: Environment | { key: string; name: string };
}

/** `42`, `true`, `false` are typed; `"42"` is the string; anything else is text. */
export function attributeValue(text: string): string | number | boolean {
  const t = text.trim();
  if (/^(true|false|-?\d+(\.\d+)?)$/.test(t)) return JSON.parse(t) as number | boolean;
  if (/^".*"$/.test(t)) {
    try {
      return JSON.parse(t) as string;
    } catch {
      return text;
    }
  }
  return text;
}

type ConditionTrace = FlagExplanation['rules'][number]['conditions'][number];

const OUTCOME = { match: 'holds', noMatch: 'does not hold', invalid: 'invalid value' } as const;
const MARK = { match: '✓', noMatch: '✗', invalid: '!' } as const;

function ConditionItem({ c }: { c: ConditionTrace }) {
  const subject = c.operator === 'inSegment' ? 'in segment' : `${c.attribute ?? '?'} ${c.operator}`;
  return (
    <li className={`explain__condition explain__condition--${c.outcome}`}>
      <span aria-label={OUTCOME[c.outcome]}>{MARK[c.outcome]}</span> {c.negate ? 'not ' : ''}
      {subject} <code>{c.values.map((v) => JSON.stringify(v)).join(', ')}</code>
      {c.operator === 'inSegment' ? null : (
        <span className="muted small"> · user: {c.actual === undefined ? 'missing' : JSON.stringify(c.actual)}</span>
      )}
      {c.segments && c.segments.length > 0 ? (
        <ul>
          {c.segments.map((s) => (
            <li key={s.key}>
              segment <strong>{s.key}</strong>: <span aria-label={OUTCOME[s.outcome]}>{MARK[s.outcome]}</span>
              {s.decidedBy === 'conditions' ? null : (
                <span className="muted small"> · {s.decidedBy === 'missing' ? 'no such segment' : `${s.decidedBy} by user id`}</span>
              )}
              {s.conditions.length > 0 ? (
                <ul>
                  {s.conditions.map((sc, i) => (
                    <ConditionItem key={i} c={sc} />
                  ))}
                </ul>
              ) : null}
            </li>
          ))}
        </ul>
      ) : null}
    </li>
  );
}

function Trace({ e }: { e: FlagExplanation }) {
  const r = e.result;
  return (
    <div className="explain__flag">
      <p>
        <strong>{e.flag}</strong>: {r.variant ?? 'default'} <code>{JSON.stringify(r.value)}</code> · {r.reason}
        {r.errorCode ? ` ${r.errorCode}` : ''}
        {r.ruleId ? ` · rule ${r.ruleId}` : ''}
      </p>
      {e.found && !e.enabled ? <p className="muted small">The flag is off here: everyone gets the off variant.</p> : null}
      <ol className="explain__steps">
        {e.prerequisites.map((p) => (
          <li key={`p-${p.flag}`}>
            {p.met ? '✓' : '✗'} prerequisite <strong>{p.flag}</strong> must serve {p.variant}
            {p.explanation ? <Trace e={p.explanation} /> : <span className="muted small"> · no such flag</span>}
          </li>
        ))}
        {e.rules.map((rule) => (
          <li key={`r-${rule.index}`}>
            Rule {rule.index + 1}
            {rule.id ? ` (${rule.id})` : ''}: {rule.matched ? 'matched' : 'not matched'}
            <ul>
              {rule.conditions.map((c, i) => (
                <ConditionItem key={i} c={c} />
              ))}
            </ul>
          </li>
        ))}
        {e.serve && e.serve.from !== 'off' ? (
          <li>
            Served by the {e.serve.from === 'rule' ? `rule ${e.serve.ruleId ?? ''}`.trim() : 'fallthrough'}
            {e.serve.bucketBy === undefined
              ? null
              : e.serve.bucket === undefined
                ? `: a rollout by ${e.serve.bucketBy}, which the user lacks, so the off variant`
                : `: a rollout by ${e.serve.bucketBy}, bucket ${e.serve.bucket} of ${e.serve.total}`}
          </li>
        ) : null}
      </ol>
    </div>
  );
}

export function TryAUser({ flagKey, environment }: TryAUserProps) {
  const { api } = useApp();
  const [userId, setUserId] = useState('');
  const [rows, setRows] = useState<AttributeRow[]>([{ id: 1, name: '', value: '' }]);
  const [nextId, setNextId] = useState(2);
  const [answer, setAnswer] = useState<Explanation | undefined>();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const setRow = (id: number, patch: Partial<AttributeRow>) => setRows((all) => all.map((r) => (r.id === id ? { ...r, ...patch } : r)));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setFormError(undefined);
    const context: Record<string, string | number | boolean> = {};
    const found: Record<string, string> = {};
    for (const row of rows) {
      const name = row.name.trim();
      if (name === '' && row.value.trim() === '') continue;
      if (name === '') found[`row-${row.id}`] = 'Name the attribute';
      else context[name] = attributeValue(row.value);
    }
    if (userId.trim() !== '') context.userId = userId.trim();
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    setBusy(true);
    try {
      setAnswer(await api.explain.flag(flagKey, environment.key, context as ExplainContext));
    } catch (err) {
      setAnswer(undefined);
      // The server names the field: `context.country` goes beside that row.
      const field = isApiError(err) ? err.field : undefined;
      const attribute = field?.startsWith('context.') ? field.slice('context.'.length).split(/[.[]/)[0] : undefined;
      const row = attribute === undefined ? undefined : rows.find((r) => r.name.trim() === attribute);
      if (attribute === 'userId') setErrors({ userId: errorMessage(err) });
      else if (row) setErrors({ [`row-${row.id}`]: errorMessage(err) });
      else setFormError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby="try-title">
      <div className="card__head">
        <h2 id="try-title" className="card__title">
          Try a user
        </h2>
      </div>
      <form className="form" aria-label="Try a user" onSubmit={(e) => void submit(e)} noValidate>
        <Field label="User id" errors={errors.userId}>
          {(p) => <input {...p} className="input" value={userId} onChange={(e) => setUserId(e.target.value)} placeholder="u-1842" />}
        </Field>
        {rows.map((row, i) => (
          <div key={row.id} className="explain__row">
            <Field label={`Attribute ${i + 1}`} errors={errors[`row-${row.id}`]}>
              {(p) => (
                <input
                  {...p}
                  className="input"
                  value={row.name}
                  onChange={(e) => setRow(row.id, { name: e.target.value })}
                  placeholder="country"
                />
              )}
            </Field>
            <Field label={`Value ${i + 1}`} hint={i === 0 ? '42, true and false are typed; "42" is text' : undefined}>
              {(p) => (
                <input
                  {...p}
                  className="input"
                  value={row.value}
                  onChange={(e) => setRow(row.id, { value: e.target.value })}
                  placeholder="DE"
                />
              )}
            </Field>
            <button
              type="button"
              className="button button--quiet"
              aria-label={`Remove attribute ${i + 1}`}
              onClick={() => setRows((all) => all.filter((r) => r.id !== row.id))}
            >
              Remove
            </button>
          </div>
        ))}
        <FormError>{formError}</FormError>
        <div className="form__actions">
          <button
            type="button"
            className="button button--quiet"
            onClick={() => {
              setRows((all) => [...all, { id: nextId, name: '', value: '' }]);
              setNextId(nextId + 1);
            }}
          >
            Add attribute
          </button>
          <button type="submit" className="button button--primary" disabled={busy}>
            {busy ? 'Evaluating…' : `Evaluate in ${environment.name}`}
          </button>
        </div>
      </form>
      {answer ? (
        <div className="explain" aria-label="Explanation" role="region" aria-live="polite">
          <p className="muted small">
            {answer.environment} at revision {answer.revision}
          </p>
          <Trace e={answer.explanation} />
        </div>
      ) : null}
    </section>
  );
}
