/**
 * Targeting of a flag in one environment: prerequisites, rules, the default rule
 * (rollout percentage) and the off variant, edited as a draft of one version and saved
 * with `If-Match`. When a newer version arrives, unsaved edits are kept on top of it if
 * they touch other fields; otherwise (or on a 412) the operator sees what changed and
 * chooses to reapply their edits or drop them.
 */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { errorMessage, isApiError } from '../api/client';
import { isChangeRequest, type FlagConfig, type Flag } from '@switchboard/api-client';
import { heldMessage } from '../pages/change-requests-page';
import { useApp } from '../app-context';
import { ConfirmDialog } from '../components/dialog';
import { DiffTable } from '../components/diff-table';
import { Field, FormError } from '../components/field';
import { isProtected, type EnvironmentRef } from '../model/environment';
import {
  asSimpleRollout,
  changedFields,
  configToDraft,
  draftToFields,
  FIELD_LABELS,
  rebase,
  type ConfigDraft,
  type DraftField,
} from '../model/config-draft';
import { errorsAt, type FieldErrors } from '../model/rules';
import { PrerequisitesEditor } from './prerequisites-editor';
import { RulesEditor } from './rules-editor';
import { ServeEditor } from './serve-editor';
import { useUnsavedChanges } from '../router';

interface Edit {
  base: FlagConfig;
  baseDraft: ConfigDraft;
  draft: ConfigDraft;
}

interface Merge {
  from: FlagConfig;
  to: FlagConfig;
  conflicts: DraftField[];
  /** Applied already (no overlap): just telling. */
  auto: boolean;
}

const CONFIG_FIELDS = ['enabled', 'offVariant', 'fallthrough', 'rules', 'prerequisites', 'salt'] as const;
const fieldsOf = (c: FlagConfig) => Object.fromEntries(CONFIG_FIELDS.map((f) => [f, c[f]]));

export interface TargetingFormProps {
  flag: Flag;
  environment: EnvironmentRef;
  config: FlagConfig;
  /** Every flag's variants, for prerequisites, once `onNeedFlags` has asked for them. */
  flags: Record<string, string[]>;
  onNeedFlags?: () => void;
  flagsLoaded?: boolean;
  segments: string[];
  onSaved(config: FlagConfig): void;
  reload(): Promise<FlagConfig | undefined>;
}

export function TargetingForm({
  flag,
  environment,
  config,
  flags,
  onNeedFlags,
  flagsLoaded,
  segments,
  onSaved,
  reload,
}: TargetingFormProps) {
  const { api, toast } = useApp();
  const variants = Object.keys(flag.variants);
  const init = (c: FlagConfig): Edit => {
    const d = configToDraft(c, variants);
    return { base: c, baseDraft: d, draft: configToDraft(c, variants) };
  };
  const [edit, setEdit] = useState<Edit>(() => init(config));
  const [merge, setMerge] = useState<Merge | null>(null);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  // In a protected environment a valid save waits here for the operator's confirmation.
  const [confirming, setConfirming] = useState<DraftField[] | null>(null);
  const formRef = useRef<HTMLFormElement>(null);
  const saveBarRef = useRef<HTMLSpanElement>(null);
  const mergeRef = useRef(merge);
  mergeRef.current = merge;
  const editRef = useRef(edit);
  editRef.current = edit;

  const unsaved = changedFields(edit.baseDraft, edit.draft);
  const dirty = unsaved.length > 0;
  useUnsavedChanges(dirty, `Your changes to the targeting in ${environment.name} are not saved.`);

  // A newer version arrived (live update, our own kill switch, or the reload after a 412).
  useEffect(() => {
    const current = editRef.current;
    if (config.version === current.base.version) return;
    const latest = configToDraft(config, variants);
    const pending = mergeRef.current;
    const r = rebase(current.baseDraft, current.draft, latest);
    if (pending && !pending.auto) {
      setMerge({ ...pending, to: config, conflicts: r.conflicts });
      return;
    }
    if (r.ours.length === 0) {
      setEdit({ base: config, baseDraft: latest, draft: configToDraft(config, variants) });
      return;
    }
    if (r.conflicts.length === 0) {
      setEdit({ base: config, baseDraft: latest, draft: r.draft });
      // The kill switch is shown above; only tell about targeting changes.
      if (r.theirs.length > 0) setMerge({ from: current.base, to: config, conflicts: [], auto: true });
    } else setMerge({ from: current.base, to: config, conflicts: r.conflicts, auto: false });
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only a new config version matters
  }, [config]);

  const setDraft = (patch: Partial<ConfigDraft>) => setEdit((e) => ({ ...e, draft: { ...e.draft, ...patch } }));

  const reapply = () => {
    if (!merge) return;
    const latest = configToDraft(merge.to, variants);
    const r = rebase(edit.baseDraft, edit.draft, latest);
    setEdit({ base: merge.to, baseDraft: latest, draft: r.draft });
    setMerge(null);
    setFormError(undefined);
  };

  const discard = () => {
    setEdit(init(merge?.to ?? config));
    setMerge(null);
    setErrors({});
    setFormError(undefined);
  };

  const focusFirstInvalid = () =>
    setTimeout(() => formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"], .field__error')?.focus?.(), 0);

  const save = async (e: FormEvent | undefined, confirmed = false) => {
    e?.preventDefault();
    setFormError(undefined);
    const { fields, errors: found } = draftToFields(edit.draft, edit.base.enabled, {
      variants,
      segments,
      flags,
      flagKey: flag.key,
    });
    setErrors(found);
    if (Object.keys(found).length > 0) {
      setFormError(
        `Not saved: ${Object.keys(found).length === 1 ? 'one field needs' : `${Object.keys(found).length} fields need`} attention.`,
      );
      focusFirstInvalid();
      return;
    }
    if (isProtected(environment) && !confirmed) {
      setConfirming(unsaved);
      return;
    }
    const simple = asSimpleRollout(edit.baseDraft, edit.draft, fields);
    setBusy(true);
    try {
      const ifMatch = { ifMatch: edit.base.version };
      const next = simple
        ? await api.configs.rollout(flag.key, environment.key, simple, ifMatch)
        : await api.configs.put(flag.key, environment.key, fields, ifMatch);
      // Held for approval (202): nothing written yet; the flag page lists the request.
      if (isChangeRequest(next)) {
        setEdit(init(edit.base));
        toast('success', heldMessage(next));
        return;
      }
      setEdit(init(next));
      setMerge(null);
      onSaved(next);
      toast('success', `Saved ${flag.key} in ${environment.name} (version ${next.version}).`);
      // The save button is disabled once nothing is unsaved: keep focus on the bar that says what happened.
      saveBarRef.current?.focus();
    } catch (err) {
      if (isApiError(err) && err.status === 412) {
        setMerge({ from: edit.base, to: edit.base, conflicts: [], auto: false });
        const latest = await reload();
        if (latest) {
          const r = rebase(edit.baseDraft, edit.draft, configToDraft(latest, variants));
          setMerge({ from: edit.base, to: latest, conflicts: r.conflicts, auto: false });
        }
      } else {
        if (isApiError(err) && err.field) setErrors({ [err.field]: err.message });
        setFormError(`Not saved: ${errorMessage(err)}`);
        focusFirstInvalid();
      }
    } finally {
      setBusy(false);
    }
  };

  const draftErrors = errors;
  return (
    <section className="card targeting" aria-labelledby="targeting-title">
      <div className="card__head">
        <h2 id="targeting-title" className="card__title">
          Targeting in {environment.name}
        </h2>
        <span className="version-pill" aria-label={`Editing version ${edit.base.version}`}>
          Editing version {edit.base.version}
        </span>
      </div>
      {merge && !merge.auto ? (
        <div className="notice notice--warn merge" role="alert">
          <p>
            <strong>
              Version {merge.to.version} was saved while you were editing version {merge.from.version}.
            </strong>{' '}
            {merge.to.version === merge.from.version ? 'Reading the newest version…' : 'Here is what changed:'}
          </p>
          {merge.to.version !== merge.from.version ? (
            <DiffTable before={fieldsOf(merge.from)} after={fieldsOf(merge.to)} caption="Changes in the newer version" />
          ) : null}
          <p>
            {merge.conflicts.length > 0
              ? `You changed the same part: ${merge.conflicts.map((f) => FIELD_LABELS[f]).join(', ')}. Reapplying keeps your version of it.`
              : `Your unsaved changes (${unsaved.map((f) => FIELD_LABELS[f]).join(', ')}) can be reapplied on top of it.`}
          </p>
          <div className="notice__actions">
            <button type="button" className="button button--primary" onClick={reapply} disabled={merge.to.version === merge.from.version}>
              Reload and reapply my changes
            </button>
            <button type="button" className="button" onClick={discard}>
              Discard my changes
            </button>
          </div>
        </div>
      ) : null}
      {merge && merge.auto ? (
        <div className="notice notice--info merge" role="status">
          <p>Version {merge.to.version} was saved while you were editing; your unsaved changes are kept on top of it. What changed:</p>
          <DiffTable before={fieldsOf(merge.from)} after={fieldsOf(merge.to)} caption="Changes in the newer version" />
          <div className="notice__actions">
            <button type="button" className="button" onClick={() => setMerge(null)}>
              OK
            </button>
          </div>
        </div>
      ) : null}
      <form ref={formRef} className="form" onSubmit={(e) => void save(e)} noValidate aria-describedby="targeting-order">
        <p id="targeting-order" className="muted small">
          Evaluated in order: kill switch, prerequisites, rules (the first that matches wins), then the default rule.
        </p>
        <PrerequisitesEditor
          value={edit.draft.prerequisites}
          onChange={(prerequisites) => setDraft({ prerequisites })}
          flags={flags}
          onNeedFlags={onNeedFlags}
          flagsLoaded={flagsLoaded}
          flagKey={flag.key}
          errors={draftErrors}
        />
        <fieldset className="rules-fieldset">
          <legend>Rules</legend>
          <RulesEditor
            rules={edit.draft.rules}
            onChange={(rules) => setDraft({ rules })}
            variants={variants}
            offVariant={edit.draft.offVariant}
            segments={segments}
            errors={draftErrors}
          />
        </fieldset>
        <ServeEditor
          legend="Default rule: everyone else"
          value={edit.draft.fallthrough}
          onChange={(fallthrough) => setDraft({ fallthrough })}
          variants={variants}
          offVariant={edit.draft.offVariant}
          path="fallthrough"
          errors={draftErrors}
        />
        <FormError>{errorsAt(draftErrors, 'fallthrough').join(' · ')}</FormError>
        <details className="advanced">
          <summary>Off variant and bucketing salt</summary>
          <div className="grid-2">
            <Field
              label="Off variant"
              hint="Served when the flag is off or a prerequisite fails"
              errors={errorsAt(draftErrors, 'offVariant')}
            >
              {(p) => (
                <select {...p} value={edit.draft.offVariant} onChange={(e) => setDraft({ offVariant: e.target.value })}>
                  {variants.map((v) => (
                    <option key={v} value={v}>
                      {v}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field
              label="Bucketing salt"
              hint="Flags with the same salt put each user in the same bucket"
              errors={errorsAt(draftErrors, 'salt')}
            >
              {(p) => (
                <input {...p} type="text" spellCheck={false} value={edit.draft.salt} onChange={(e) => setDraft({ salt: e.target.value })} />
              )}
            </Field>
          </div>
        </details>
        <div className={`save-bar${dirty ? ' save-bar--dirty' : ''}`}>
          <span className="save-bar__text" aria-live="polite" ref={saveBarRef} tabIndex={-1}>
            {dirty ? `Unsaved: ${unsaved.map((f) => FIELD_LABELS[f]).join(', ')}` : `Version ${edit.base.version} · no unsaved changes`}
          </span>
          <FormError>{formError}</FormError>
          <button type="button" className="button" onClick={discard} disabled={!dirty || busy}>
            Discard
          </button>
          <button type="submit" className="button button--primary" disabled={!dirty || busy || (merge !== null && !merge.auto)}>
            {busy ? 'Saving…' : `Save changes in ${environment.name}`}
          </button>
        </div>
      </form>
      <ConfirmDialog
        open={confirming !== null}
        tone="default"
        title={`Save changes to ${flag.key} in ${environment.name}?`}
        confirm={`Save in ${environment.name}`}
        onClose={() => setConfirming(null)}
        onConfirm={() => {
          setConfirming(null);
          void save(undefined, true);
        }}
      >
        <p>
          {environment.name} is protected. Changing {(confirming ?? []).map((f) => FIELD_LABELS[f].toLowerCase()).join(', ')} changes what
          users in {environment.name} get, within a second.
        </p>
        <p className="muted">This writes version {edit.base.version + 1} and is recorded in the audit log.</p>
      </ConfirmDialog>
    </section>
  );
}
