/** Segments: named groups of users (listed ids and conditions) that rules target with "is in segment". */
import { LIMITS } from '@switchboard/core/validate';
import { useState, type FormEvent } from 'react';
import { errorMessage, isApiError } from '../api/client';
import type { Segment } from '@switchboard/api-client';
import { useApp } from '../app-context';
import { ConfirmDialog } from '../components/dialog';
import { Field, FormError } from '../components/field';
import { Empty, ErrorState, PageHeader, Skeleton } from '../components/page';
import { ConditionEditor } from '../flag/condition-editor';
import { conditionToDraft, draftsToConditions, emptyCondition, errorsAt, type ConditionDraft, type FieldErrors } from '../model/rules';
import { timeAgo } from '../model/status';
import { reapplyEdits } from '../model/reapply';
import { setQuery, useLocation } from '../router';
import { useResource } from '../use-resource';

interface SegmentDraft {
  key: string;
  name: string;
  description: string;
  included: string;
  excluded: string;
  conditions: ConditionDraft[];
}

const lines = (text: string) => [
  ...new Set(
    text
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean),
  ),
];

function toDraft(s?: Segment): SegmentDraft {
  return {
    key: s?.key ?? '',
    name: s?.name ?? '',
    description: s?.description ?? '',
    included: (s?.included ?? []).join('\n'),
    excluded: (s?.excluded ?? []).join('\n'),
    conditions: (s?.conditions ?? []).map(conditionToDraft),
  };
}

export function SegmentsPage() {
  const { api } = useApp();
  const { query } = useLocation();
  const selected = query.get('segment');
  const list = useResource<Segment[]>('segments', async (signal) => (await api.segments.list({ signal })).segments, {
    refreshOn: (events) => events.some((e) => e.action.startsWith('segment.')),
  });
  const current = selected === 'new' ? undefined : list.data?.find((s) => s.key === selected);

  return (
    <>
      <PageHeader
        title="Segments"
        actions={
          <button type="button" className="button button--primary" onClick={() => setQuery({ segment: 'new' }, { replace: false })}>
            New segment
          </button>
        }
      >
        <p className="muted">Shared by every environment. Rules use them with the “is in segment” operator.</p>
      </PageHeader>
      <div className="split">
        <div className="split__list">
          {list.error && !list.data ? <ErrorState error={list.error} onRetry={() => void list.reload()} /> : null}
          {!list.data && !list.error ? <Skeleton rows={4} label="Loading segments" /> : null}
          {list.data?.length === 0 ? <Empty>No segments yet.</Empty> : null}
          {list.data && list.data.length > 0 ? (
            <ul className="picker" aria-label="Segments">
              {list.data.map((s) => (
                <li key={s.key}>
                  <button
                    type="button"
                    className="picker__item"
                    aria-current={s.key === selected ? 'true' : undefined}
                    onClick={() => setQuery({ segment: s.key }, { replace: false })}
                  >
                    <span className="picker__title">{s.name}</span>
                    <code className="small">{s.key}</code>
                    <span className="muted small">
                      {s.included.length} included · {s.excluded.length} excluded · {s.conditions.length} conditions ·{' '}
                      {timeAgo(s.updatedAt)}
                    </span>
                  </button>
                </li>
              ))}
            </ul>
          ) : null}
        </div>
        <div className="split__detail">
          {selected === 'new' ? (
            <SegmentEditor
              key="new"
              segments={list.data ?? []}
              onDone={(key) => setQuery({ segment: key })}
              onStale={() => void list.reload()}
            />
          ) : current ? (
            <SegmentEditor
              key={`${current.key}`}
              segment={current}
              segments={list.data ?? []}
              onDone={(key) => setQuery({ segment: key })}
              onStale={() => void list.reload()}
            />
          ) : (
            <Empty>Choose a segment to edit, or create one.</Empty>
          )}
        </div>
      </div>
    </>
  );
}

function SegmentEditor({
  segment,
  segments,
  onDone,
  onStale,
}: {
  segment?: Segment;
  segments: Segment[];
  onDone(key: string | undefined): void;
  /** A save was refused as stale: read the list again, so the newer version shows. */
  onStale(): void;
}) {
  const { api, toast } = useApp();
  const [base, setBase] = useState(segment);
  const [draft, setDraft] = useState(() => toDraft(segment));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const creating = segment === undefined;
  // Only a version newer than ours: right after our own save the list still holds the one before it.
  const newer = segment && base && segment.version > base.version ? segment : undefined;
  const keys = segments.map((s) => s.key).filter((k) => k !== segment?.key);
  const set = (patch: Partial<SegmentDraft>) => setDraft((d) => ({ ...d, ...patch }));

  /** Their version becomes the base; fields we edited keep our values, the rest take theirs. */
  const reapply = (next: Segment) => {
    setDraft(reapplyEdits(toDraft(base), draft, toDraft(next)));
    setBase(next);
    setFormError(undefined);
  };

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setFormError(undefined);
    const found: FieldErrors = {};
    if (creating && !LIMITS.keyPattern.test(draft.key.trim()))
      found.key =
        draft.key.trim() === ''
          ? 'Enter a key, like beta-testers'
          : 'Use letters, digits, ".", "_" or "-", starting with a letter or digit';
    const { conditions, errors: condErrors } = draftsToConditions(draft.conditions, 'conditions', keys);
    Object.assign(found, condErrors);
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    const body: Record<string, unknown> = {
      name: draft.name.trim() || draft.key.trim() || segment?.key,
      description: draft.description,
      included: lines(draft.included),
      excluded: lines(draft.excluded),
      conditions,
    };
    setBusy(true);
    try {
      const saved = creating
        ? await api.segments.create({ key: draft.key.trim(), ...body })
        : await api.segments.update(segment.key, body, { ifMatch: base!.version });
      setBase(saved);
      setDraft(toDraft(saved));
      toast('success', `Saved segment ${saved.key} (version ${saved.version}).`);
      onDone(saved.key);
    } catch (err) {
      if (isApiError(err) && err.status === 412) {
        setFormError('Someone saved a newer version of this segment. Reload it (above) and reapply your changes.');
        onStale();
      } else {
        if (isApiError(err) && err.field) setErrors({ [err.field]: err.message });
        setFormError(`Not saved: ${errorMessage(err)}`);
      }
    } finally {
      setBusy(false);
    }
  };

  const remove = async () => {
    setConfirmDelete(false);
    try {
      await api.segments.delete(segment!.key, { ifMatch: base!.version });
      toast('success', `Deleted segment ${segment!.key}.`);
      onDone(undefined);
    } catch (err) {
      setFormError(errorMessage(err));
    }
  };

  return (
    <form className="card form" onSubmit={(e) => void save(e)} noValidate aria-labelledby="segment-title">
      <div className="card__head">
        <h2 id="segment-title" className="card__title">
          {creating ? 'New segment' : `Segment ${segment.key}`}
        </h2>
        {!creating && base ? <span className="version-pill">Editing version {base.version}</span> : null}
      </div>
      {newer ? (
        <div className="notice notice--warn" role="alert">
          <p>Version {newer.version} of this segment was saved by someone else while you were editing.</p>
          <div className="notice__actions">
            <button type="button" className="button button--primary" onClick={() => reapply(newer)}>
              Reload and reapply my changes
            </button>
            <button
              type="button"
              className="button"
              onClick={() => {
                setBase(newer);
                setDraft(toDraft(newer));
              }}
            >
              Discard my changes
            </button>
          </div>
        </div>
      ) : null}
      {creating ? (
        <Field label="Key" errors={errors.key}>
          {(p) => <input {...p} type="text" spellCheck={false} value={draft.key} onChange={(e) => set({ key: e.target.value })} />}
        </Field>
      ) : null}
      <div className="grid-2">
        <Field label="Name" errors={errors.name}>
          {(p) => <input {...p} type="text" value={draft.name} onChange={(e) => set({ name: e.target.value })} />}
        </Field>
        <Field label="Description" errors={errors.description}>
          {(p) => <input {...p} type="text" value={draft.description} onChange={(e) => set({ description: e.target.value })} />}
        </Field>
      </div>
      <div className="grid-2">
        <Field label="Always included (user ids, one per line)" errors={errorsAt(errors, 'included')}>
          {(p) => (
            <textarea {...p} rows={4} spellCheck={false} value={draft.included} onChange={(e) => set({ included: e.target.value })} />
          )}
        </Field>
        <Field
          label="Always excluded (user ids, one per line)"
          hint="Wins over included and conditions"
          errors={errorsAt(errors, 'excluded')}
        >
          {(p) => (
            <textarea {...p} rows={4} spellCheck={false} value={draft.excluded} onChange={(e) => set({ excluded: e.target.value })} />
          )}
        </Field>
      </div>
      <fieldset>
        <legend>Conditions (all must match)</legend>
        {draft.conditions.length === 0 ? <p className="muted small">No conditions: only included users are members.</p> : null}
        {draft.conditions.map((c, j) => (
          <ConditionEditor
            key={j}
            index={j}
            value={c}
            path={`conditions[${j}]`}
            errors={errors}
            segments={keys}
            onChange={(next) => set({ conditions: draft.conditions.map((x, k) => (k === j ? next : x)) })}
            onRemove={() => set({ conditions: draft.conditions.filter((_, k) => k !== j) })}
          />
        ))}
        <button type="button" className="button" onClick={() => set({ conditions: [...draft.conditions, emptyCondition()] })}>
          Add condition
        </button>
      </fieldset>
      <FormError>{formError}</FormError>
      <div className="form__actions">
        <button type="submit" className="button button--primary" disabled={busy}>
          {busy ? 'Saving…' : creating ? 'Create segment' : 'Save segment'}
        </button>
        <span className="form__spacer" />
        {!creating ? (
          <button type="button" className="button button--danger" onClick={() => setConfirmDelete(true)}>
            Delete segment
          </button>
        ) : null}
      </div>
      <ConfirmDialog
        open={confirmDelete}
        title={`Delete segment ${segment?.key ?? ''}?`}
        confirm="Delete segment"
        onConfirm={() => void remove()}
        onClose={() => setConfirmDelete(false)}
      >
        <p>A segment that a rule or another segment still uses cannot be deleted.</p>
      </ConfirmDialog>
    </form>
  );
}
