/**
 * What a flag is in every environment: name, description, tags, variants and their
 * values, client-side visibility, private attributes, archiving. Saved with the flag's
 * own version (If-Match); a stale version shows what changed and can be reapplied.
 */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { errorMessage, isApiError } from '../api/client';
import type { Flag } from '@switchboard/api-client';
import { useApp } from '../app-context';
import { DiffTable } from '../components/diff-table';
import { ConfirmDialog } from '../components/dialog';
import { Field, FormError } from '../components/field';
import { archiveImpact, type ArchiveImpact } from '../model/environment';
import type { FieldErrors } from '../model/rules';
import { reapplyEdits } from '../model/reapply';
import { navigate, useUnsavedChanges } from '../router';
import { inputOfField, parseTags } from '../pages/new-flag-dialog';
import { draftsToVariants, variantsToDrafts, VariantsEditor, type VariantDraft } from './variants-editor';
import { LIMITS } from '@switchboard/core/validate';

interface SettingsDraft {
  name: string;
  description: string;
  tags: string;
  owner: string;
  temporary: boolean;
  clientSide: boolean;
  variants: VariantDraft[];
  privateAttributes: string;
}

function toDraft(flag: Flag): SettingsDraft {
  return {
    name: flag.name,
    description: flag.description,
    tags: flag.tags.join(', '),
    owner: flag.owner ?? '',
    temporary: flag.temporary,
    clientSide: flag.clientSide,
    variants: variantsToDrafts(flag.variants),
    privateAttributes: (flag.privateAttributes ?? []).join(', '),
  };
}

/** The PATCH body for what changed, with problems keyed by field. */
function changes(flag: Flag, d: SettingsDraft): { body: Record<string, unknown>; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const body: Record<string, unknown> = {};
  if (d.name.trim() !== flag.name) {
    if (d.name.trim() === '') errors.name = 'Enter a name';
    body.name = d.name.trim();
  }
  if (d.description !== flag.description) body.description = d.description;
  const tags = parseTags(d.tags);
  if (tags.some((t) => !LIMITS.keyPattern.test(t))) errors.tags = 'Tags use letters, digits, ".", "_" or "-"';
  if (JSON.stringify(tags) !== JSON.stringify(flag.tags)) body.tags = tags;
  const owner = d.owner.trim() === '' ? null : d.owner.trim();
  if (owner !== flag.owner) body.owner = owner;
  if (d.temporary !== flag.temporary) body.temporary = d.temporary;
  if (d.clientSide !== flag.clientSide) body.clientSide = d.clientSide;
  const v = draftsToVariants(d.variants, flag.type);
  Object.assign(errors, v.errors);
  if (JSON.stringify(v.variants) !== JSON.stringify(flag.variants)) body.variants = v.variants;
  if (flag.privateAttributes !== undefined) {
    const attrs = parseTags(d.privateAttributes);
    if (attrs.some((a) => !LIMITS.attributePattern.test(a))) errors.privateAttributes = 'Attribute names start with a letter, _ or $';
    if (JSON.stringify(attrs) !== JSON.stringify(flag.privateAttributes)) body.privateAttributes = attrs;
  }
  return { body, errors };
}

export function FlagSettings({ flag, onSaved, reload }: { flag: Flag; onSaved(flag: Flag): void; reload(): Promise<Flag | undefined> }) {
  const { api, toast, environments } = useApp();
  const [archiving, setArchiving] = useState<ArchiveImpact | null>(null);
  // Archive and Unarchive replace each other: after one, focus goes to the other, not <body>.
  const archiveToggle = useRef<HTMLButtonElement>(null);
  const [refocus, setRefocus] = useState(false);
  useEffect(() => {
    if (!refocus) return;
    archiveToggle.current?.focus();
    setRefocus(false);
  }, [refocus, flag.archived]);
  const [base, setBase] = useState(flag);
  const [draft, setDraft] = useState(() => toDraft(flag));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | undefined>();
  const [stale, setStale] = useState<Flag | null>(null);
  const [busy, setBusy] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const { body } = changes(base, draft);
  const dirty = Object.keys(body).length > 0;
  useUnsavedChanges(dirty, `Your changes to the settings of ${flag.key} are not saved.`);

  // Follow newer versions while nothing is being edited.
  useEffect(() => {
    if (flag.version === base.version) return;
    if (!dirty) {
      setBase(flag);
      setDraft(toDraft(flag));
    } else setStale(flag);
  }, [flag, base.version, dirty]);

  /** Saves the form's changes, or only `only` (archiving leaves unsaved edits alone). */
  const save = async (e?: FormEvent, only?: Record<string, unknown>) => {
    e?.preventDefault();
    setFormError(undefined);
    let payload: Record<string, unknown>;
    if (only) payload = only;
    else {
      const { body: b, errors: found } = changes(base, draft);
      setErrors(found);
      if (Object.keys(found).length > 0) return;
      payload = b;
    }
    if (Object.keys(payload).length === 0) return;
    setBusy(true);
    try {
      const next = await api.flags.update(flag.key, payload, { ifMatch: base.version });
      setBase(next);
      if (!only) setDraft(toDraft(next));
      setStale(null);
      onSaved(next);
      if (only && 'archived' in only) setRefocus(true);
      toast('success', `Saved ${flag.key} (version ${next.version}).`);
    } catch (err) {
      if (isApiError(err) && err.status === 412) {
        const latest = await reload();
        if (latest) setStale(latest);
      } else if (isApiError(err) && err.field && /^(name|description|tags|owner|variants|privateAttributes)(\.|\[|$)/.test(err.field)) {
        // Beside the input it names (`tags[0]` is in the Tags input); the checkboxes have no error slot.
        setErrors({ [inputOfField(err.field)]: err.message });
      } else setFormError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  /**
   * Their version becomes the base; the fields we edited keep our values, every other
   * field takes theirs (keeping the whole form would write their changes back).
   */
  const reapply = () => {
    if (!stale) return;
    setDraft(reapplyEdits(toDraft(base), draft, toDraft(stale)));
    setBase(stale);
    setStale(null);
  };

  const remove = async () => {
    setConfirmDelete(false);
    try {
      await api.flags.delete(flag.key, { ifMatch: base.version });
      toast('success', `Deleted ${flag.key}.`);
      navigate('/flags');
    } catch (err) {
      setFormError(errorMessage(err));
    }
  };

  const set = (patch: Partial<SettingsDraft>) => setDraft((d) => ({ ...d, ...patch }));
  return (
    <section className="card" aria-labelledby="settings-title">
      <div className="card__head">
        <h2 id="settings-title" className="card__title">
          Flag settings <span className="muted small">(all environments · version {base.version})</span>
        </h2>
      </div>
      {stale ? (
        <div className="notice notice--warn" role="alert">
          <p>
            Someone saved version {stale.version} of this flag&apos;s settings while you were editing version {base.version}. Their changes:
          </p>
          <DiffTable
            before={base}
            after={stale}
            ignore={['updatedAt', 'createdAt', 'environments', 'version', 'summary']}
            caption="Changes in the newer version"
          />
          <div className="notice__actions">
            <button type="button" className="button button--primary" onClick={reapply}>
              Reload and reapply my changes
            </button>
            <button
              type="button"
              className="button"
              onClick={() => {
                setBase(stale);
                setDraft(toDraft(stale));
                setStale(null);
              }}
            >
              Discard my changes
            </button>
          </div>
        </div>
      ) : null}
      <form className="form settings" onSubmit={(e) => void save(e)} noValidate>
        <div className="grid-2">
          <Field label="Name" errors={errors.name}>
            {(p) => <input {...p} type="text" value={draft.name} onChange={(e) => set({ name: e.target.value })} />}
          </Field>
          <Field label="Owner" hint="A person or team to ask about this flag" errors={errors.owner}>
            {(p) => <input {...p} type="text" value={draft.owner} onChange={(e) => set({ owner: e.target.value })} />}
          </Field>
        </div>
        <Field label="Description" errors={errors.description}>
          {(p) => <textarea {...p} rows={2} value={draft.description} onChange={(e) => set({ description: e.target.value })} />}
        </Field>
        <Field label="Tags" hint="Separated by commas" errors={errors.tags}>
          {(p) => <input {...p} type="text" value={draft.tags} onChange={(e) => set({ tags: e.target.value })} />}
        </Field>
        <VariantsEditor type={flag.type} value={draft.variants} onChange={(variants) => set({ variants })} errors={errors} />
        <fieldset className="settings__visibility">
          <legend>Visibility and privacy</legend>
          <label className="check">
            <input type="checkbox" checked={draft.clientSide} onChange={(e) => set({ clientSide: e.target.checked })} />
            <span>Client-side: browser SDKs (client keys) can see this flag and its rules</span>
          </label>
          <label className="check">
            <input type="checkbox" checked={draft.temporary} onChange={(e) => set({ temporary: e.target.checked })} />
            <span>Temporary: a release flag to remove once fully rolled out</span>
          </label>
          {flag.privateAttributes !== undefined ? (
            <Field
              label="Private attributes"
              hint="Context attributes used for targeting but never sent back in SDK events. Separated by commas."
              errors={errors.privateAttributes}
            >
              {(p) => (
                <input {...p} type="text" value={draft.privateAttributes} onChange={(e) => set({ privateAttributes: e.target.value })} />
              )}
            </Field>
          ) : (
            <div className="field">
              <span className="field__label">Private attributes</span>
              <p className="muted small">This server does not support private attributes yet; nothing to set here.</p>
            </div>
          )}
        </fieldset>
        <FormError>{formError}</FormError>
        <div className="form__actions">
          <button type="submit" className="button button--primary" disabled={busy || !dirty}>
            {busy ? 'Saving…' : dirty ? `Save settings (version ${base.version} → ${base.version + 1})` : 'No unsaved settings'}
          </button>
          {dirty ? (
            <button type="button" className="button" onClick={() => setDraft(toDraft(base))}>
              Discard
            </button>
          ) : null}
          <span className="form__spacer" />
          {flag.archived ? (
            <>
              <button ref={archiveToggle} type="button" className="button" onClick={() => void save(undefined, { archived: false })}>
                Unarchive
              </button>
              <button type="button" className="button button--danger" onClick={() => setConfirmDelete(true)}>
                Delete flag
              </button>
            </>
          ) : (
            <button
              ref={archiveToggle}
              type="button"
              className="button"
              onClick={() => {
                const impact = archiveImpact(flag.environments ?? {}, environments);
                if (impact) setArchiving(impact);
                else void save(undefined, { archived: true });
              }}
            >
              Archive flag
            </button>
          )}
        </div>
      </form>
      <ConfirmDialog
        open={confirmDelete}
        title={`Delete ${flag.key}?`}
        confirm="Delete for good"
        onConfirm={() => void remove()}
        onClose={() => setConfirmDelete(false)}
      >
        <p>The flag and its configs in every environment are deleted. The audit log keeps its history.</p>
      </ConfirmDialog>
      <ConfirmDialog
        open={archiving !== null}
        title={`Archive ${flag.key}?`}
        confirm="Archive flag"
        onConfirm={() => {
          setArchiving(null);
          void save(undefined, { archived: true });
        }}
        onClose={() => setArchiving(null)}
      >
        {archiving && archiving.live.length > 0 ? (
          <>
            <p>It is serving users now in:</p>
            <ul>
              {archiving.live.map((l) => (
                <li key={l.environment.key}>
                  <strong>{l.environment.name}</strong>: {l.state}
                </li>
              ))}
            </ul>
          </>
        ) : null}
        {archiving && archiving.protected.length > 0 ? (
          <p>
            {archiving.protected.map((e) => e.name).join(', ')} {archiving.protected.length === 1 ? 'is' : 'are'} protected.
          </p>
        ) : null}
        <p>
          Archiving removes it from every environment&apos;s SDK snapshot within a second: code asking for it gets its own default value,
          not what the flag serves.
        </p>
      </ConfirmDialog>
    </section>
  );
}
