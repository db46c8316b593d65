/** Create a flag: disabled in every environment until an operator turns it on. */
import type { FlagType } from '@switchboard/core';
import { LIMITS } from '@switchboard/core/validate';
import { useState, type FormEvent } from 'react';
import { errorMessage, isApiError } from '../api/client';
import type { CreateFlagBody } from '@switchboard/api-client';
import { useApp } from '../app-context';
import { Dialog } from '../components/dialog';
import { Field, FormError } from '../components/field';
import { defaultVariants, draftsToVariants, VariantsEditor, type VariantDraft } from '../flag/variants-editor';
import type { FieldErrors } from '../model/rules';
import { enc, navigate } from '../router';

export function parseTags(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/[,\s]+/)
        .map((t) => t.trim())
        .filter(Boolean),
    ),
  ];
}

/** The input a server error's field names: a list's items (`tags[0]`) are entered in one input (`tags`). */
export function inputOfField(field: string): string {
  return field.replace(/(\[\d+\])+$/, '');
}

export function NewFlagDialog({ open, onClose }: { open: boolean; onClose(): void }) {
  const { api, environment, toast } = useApp();
  const [key, setKey] = useState('');
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [type, setType] = useState<FlagType>('boolean');
  const [variants, setVariants] = useState<VariantDraft[]>(defaultVariants('boolean'));
  const [tags, setTags] = useState('');
  const [clientSide, setClientSide] = useState(false);
  const [temporary, setTemporary] = useState(true);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const reset = () => {
    setKey('');
    setName('');
    setDescription('');
    setType('boolean');
    setVariants(defaultVariants('boolean'));
    setTags('');
    setClientSide(false);
    setTemporary(true);
    setErrors({});
    setFormError(undefined);
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const found: FieldErrors = {};
    const k = key.trim();
    if (!LIMITS.keyPattern.test(k))
      found.key = k === '' ? 'Enter a key, like new-checkout' : 'Use letters, digits, ".", "_" or "-", starting with a letter or digit';
    const v = draftsToVariants(variants, type);
    Object.assign(found, v.errors);
    const tagList = parseTags(tags);
    if (tagList.some((t) => !LIMITS.keyPattern.test(t))) found.tags = 'Tags use letters, digits, ".", "_" or "-"';
    setErrors(found);
    setFormError(undefined);
    if (Object.keys(found).length > 0) return;
    setBusy(true);
    try {
      const body: CreateFlagBody = { key: k, type, variants: v.variants, clientSide, temporary, tags: tagList };
      if (name.trim()) body.name = name.trim();
      if (description.trim()) body.description = description.trim();
      const flag = await api.flags.create(body);
      toast('success', `Created ${flag.key}. It is off in every environment.`);
      reset();
      onClose();
      navigate(`/flags/${enc(flag.key)}?env=${enc(environment)}`);
    } catch (err) {
      const input = isApiError(err) && err.field ? inputOfField(err.field) : undefined;
      if (input !== undefined && /^(key|name|description|type|tags|variants)(\.|$)/.test(input)) setErrors({ [input]: errorMessage(err) });
      else setFormError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog open={open} title="New flag" onClose={onClose}>
      <form onSubmit={(e) => void submit(e)} noValidate className="form">
        <Field label="Key" hint="Used in code: isEnabled('new-checkout'). It never changes." errors={errors.key}>
          {(p) => (
            <input
              {...p}
              type="text"
              spellCheck={false}
              autoComplete="off"
              value={key}
              onChange={(e) => setKey(e.target.value)}
              data-autofocus
            />
          )}
        </Field>
        <Field label="Name" hint="Optional; the key when empty" errors={errors.name}>
          {(p) => <input {...p} type="text" value={name} onChange={(e) => setName(e.target.value)} />}
        </Field>
        <Field label="Description" errors={errors.description}>
          {(p) => <textarea {...p} rows={2} value={description} onChange={(e) => setDescription(e.target.value)} />}
        </Field>
        <Field label="Type" errors={errors.type}>
          {(p) => (
            <select
              {...p}
              value={type}
              onChange={(e) => {
                const t = e.target.value as FlagType;
                setType(t);
                setVariants(defaultVariants(t));
              }}
            >
              <option value="boolean">Boolean (on / off)</option>
              <option value="string">String</option>
              <option value="number">Number</option>
              <option value="json">JSON</option>
            </select>
          )}
        </Field>
        <VariantsEditor type={type} value={variants} onChange={setVariants} errors={errors} />
        <Field label="Tags" hint="Separated by commas" errors={errors.tags}>
          {(p) => <input {...p} type="text" value={tags} onChange={(e) => setTags(e.target.value)} placeholder="checkout, team-payments" />}
        </Field>
        <label className="check">
          <input type="checkbox" checked={clientSide} onChange={(e) => setClientSide(e.target.checked)} />
          <span>Visible to client-side SDKs (browser keys)</span>
        </label>
        <label className="check">
          <input type="checkbox" checked={temporary} onChange={(e) => setTemporary(e.target.checked)} />
          <span>Temporary (a release flag to remove once rolled out)</span>
        </label>
        <FormError>{formError}</FormError>
        <div className="dialog__actions">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button--primary" disabled={busy}>
            {busy ? 'Creating…' : 'Create flag'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
