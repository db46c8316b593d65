/**
 * Webhooks: create (the signing secret is shown once, with copy), list, enable or disable,
 * rotate the secret, delete; and each webhook's delivery log with every attempt, and
 * redelivery of one delivery.
 */
import { useState, type FormEvent } from 'react';
import { errorMessage, isApiError } from '../api/client';
import type { Webhook, WebhookDelivery, WebhookDeliveryPage } from '@switchboard/api-client';
import { useApp } from '../app-context';
import { CopyButton } from '../components/copy-button';
import { ConfirmDialog } from '../components/dialog';
import { Field, FormError } from '../components/field';
import { Empty, ErrorState, PageHeader, Skeleton } from '../components/page';
import { formField } from '../model/release';
import type { FieldErrors } from '../model/rules';
import { timeAgo } from '../model/status';
import { setQuery, useLocation } from '../router';
import { useResource } from '../use-resource';

const EVENT_CHOICES = [
  { value: 'flag.changed', label: 'flag.changed: every config and flag edit' },
  { value: 'flag.stale', label: 'flag.stale: a temporary flag became stale (one variant everywhere, or unused, for its threshold)' },
  { value: 'release.*', label: 'release.*: release plans start, advance, pause, roll back, complete' },
  { value: 'schedule.*', label: 'schedule.*: scheduled changes applied, conflicted, expired, failed' },
  {
    value: 'change_request.*',
    label: 'change_request.*: change requests opened, approved, applied, rejected; kill switches that bypassed one',
  },
  { value: '*', label: '* (everything)' },
];

/** The secret of a webhook just created or rotated: shown until the operator says it is stored. */
interface Secret {
  title: string;
  secret: string;
  note?: string;
}

export function WebhooksPage() {
  const { api, environments, toast } = useApp();
  const { query } = useLocation();
  const selected = query.get('webhook');
  const hooks = useResource<Webhook[]>('webhooks', async (signal) => (await api.webhooks.list({ signal })).webhooks, {
    refreshOn: (events) => events.some((e) => e.action.startsWith('webhook.')),
  });
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<string[]>(['flag.changed', 'release.*']);
  const [envs, setEnvs] = useState<string[]>([]);
  const [description, setDescription] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [secret, setSecret] = useState<Secret | null>(null);
  const [deleting, setDeleting] = useState<Webhook | null>(null);
  const [rotating, setRotating] = useState<Webhook | null>(null);

  const create = async (e: FormEvent) => {
    e.preventDefault();
    setFormError(undefined);
    const found: FieldErrors = {};
    if (!/^https?:\/\/\S+$/i.test(url.trim())) found.url = 'Enter an http(s) URL, like https://hooks.example.com/switchboard';
    if (events.length === 0) found.events = 'Pick at least one event';
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    setBusy(true);
    try {
      const created = await api.webhooks.create({
        url: url.trim(),
        events,
        ...(envs.length > 0 ? { environments: envs } : {}),
        ...(description.trim() === '' ? {} : { description: description.trim() }),
      });
      setSecret({ title: `Signing secret of ${created.url}`, secret: created.secret });
      setUrl('');
      setDescription('');
      setQuery({ webhook: created.id });
      void hooks.reload();
    } catch (err) {
      const field = isApiError(err) && err.field ? formField(err.field).split('.')[0]! : undefined;
      if (field && ['url', 'events', 'environments', 'description'].includes(field)) setErrors({ [field]: errorMessage(err) });
      else setFormError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const remove = async (w: Webhook) => {
    setDeleting(null);
    try {
      await api.webhooks.delete(w.id);
      toast('success', `Deleted the webhook to ${w.url}.`);
      if (selected === w.id) setQuery({ webhook: undefined });
    } catch (err) {
      toast('error', errorMessage(err));
    }
    void hooks.reload();
  };

  const rotate = async (w: Webhook) => {
    setRotating(null);
    try {
      const r = await api.webhooks.rotateSecret(w.id);
      setSecret({
        title: `New signing secret of ${w.url}`,
        secret: r.secret,
        note: `The previous secret keeps signing too, as a second signature, until ${new Date(r.previousSecretExpiresAt).toLocaleString()}.`,
      });
      void hooks.reload();
    } catch (err) {
      toast('error', errorMessage(err));
    }
  };

  const toggle = async (w: Webhook) => {
    try {
      await api.webhooks.update(w.id, { enabled: !w.enabled });
      toast('success', `${w.enabled ? 'Disabled' : 'Enabled'} the webhook to ${w.url}.`);
    } catch (err) {
      toast('error', errorMessage(err));
    }
    void hooks.reload();
  };

  const current = hooks.data?.find((w) => w.id === selected);
  return (
    <>
      <PageHeader title="Webhooks">
        <p className="muted">
          Signed (Standard Webhooks) POSTs of flag changes, release plan decisions and scheduled changes, retried for over a day.
        </p>
      </PageHeader>
      <form className="card form" onSubmit={(e) => void create(e)} noValidate aria-labelledby="new-webhook-title">
        <h2 id="new-webhook-title" className="card__title">
          New webhook
        </h2>
        <div className="grid-2">
          <Field label="URL" errors={errors.url}>
            {(p) => (
              <input
                {...p}
                type="url"
                value={url}
                onChange={(e) => setUrl(e.target.value)}
                placeholder="https://hooks.example.com/switchboard"
              />
            )}
          </Field>
          <Field label="Description">
            {(p) => <input {...p} value={description} onChange={(e) => setDescription(e.target.value)} placeholder="Post to #releases" />}
          </Field>
        </div>
        <div className="grid-2">
          <fieldset className="checklist" aria-describedby={errors.events ? 'webhook-events-error' : undefined}>
            <legend className="field__label">Events</legend>
            {EVENT_CHOICES.map((c) => (
              <label key={c.value} className="check">
                <input
                  type="checkbox"
                  checked={events.includes(c.value)}
                  onChange={(e) => setEvents((list) => (e.target.checked ? [...list, c.value] : list.filter((v) => v !== c.value)))}
                />
                <span>{c.label}</span>
              </label>
            ))}
            {errors.events ? (
              <p className="field__error" id="webhook-events-error" role="alert">
                {errors.events}
              </p>
            ) : null}
          </fieldset>
          <fieldset className="checklist">
            <legend className="field__label">Environments</legend>
            <p className="field__hint">None ticked: every environment.</p>
            {environments.map((en) => (
              <label key={en.key} className="check">
                <input
                  type="checkbox"
                  checked={envs.includes(en.key)}
                  onChange={(e) => setEnvs((list) => (e.target.checked ? [...list, en.key] : list.filter((v) => v !== en.key)))}
                />
                <span>{en.name}</span>
              </label>
            ))}
            {errors.environments ? (
              <p className="field__error" role="alert">
                {errors.environments}
              </p>
            ) : null}
          </fieldset>
        </div>
        <FormError>{formError}</FormError>
        <div className="form__actions">
          <button type="submit" className="button button--primary" disabled={busy}>
            {busy ? 'Creating…' : 'Create webhook'}
          </button>
        </div>
      </form>
      {secret ? (
        <section className="card secret" aria-labelledby="webhook-secret-title" role="region">
          <h2 id="webhook-secret-title" className="card__title">
            {secret.title}
          </h2>
          <p>Copy it now: it is shown this once. Receivers verify each delivery&apos;s webhook-signature with it.</p>
          {secret.note ? <p className="muted">{secret.note}</p> : null}
          <div className="secret__row">
            <label className="visually-hidden" htmlFor="webhook-secret">
              Signing secret
            </label>
            <input id="webhook-secret" className="secret__value mono" readOnly value={secret.secret} onFocus={(e) => e.target.select()} />
            <CopyButton text={secret.secret} label="Copy secret" />
          </div>
          <button type="button" className="button" onClick={() => setSecret(null)}>
            I have stored it
          </button>
        </section>
      ) : null}
      {hooks.error && !hooks.data ? <ErrorState error={hooks.error} onRetry={() => void hooks.reload()} /> : null}
      {!hooks.data && !hooks.error ? <Skeleton rows={3} label="Loading webhooks" /> : null}
      {hooks.data?.length === 0 ? <Empty>No webhooks yet.</Empty> : null}
      {hooks.data && hooks.data.length > 0 ? (
        <div className="table-wrap">
          <table className="table" aria-label="Webhooks">
            <thead>
              <tr>
                <th scope="col">URL</th>
                <th scope="col">Events</th>
                <th scope="col">Environments</th>
                <th scope="col">Created</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {hooks.data.map((w) => (
                <tr key={w.id} className={w.enabled ? undefined : 'row--muted'} aria-selected={w.id === selected}>
                  <td data-label="URL">
                    <code>{w.url}</code>
                    {w.description ? <div className="muted small">{w.description}</div> : null}
                    {!w.enabled ? <span className="chip chip--warn">disabled</span> : null}
                    {w.previousSecretExpiresAt ? (
                      <div className="muted small">
                        rotating: old secret signs until {new Date(w.previousSecretExpiresAt).toLocaleString()}
                      </div>
                    ) : null}
                  </td>
                  <td data-label="Events">
                    {w.events.map((e) => (
                      <span key={e} className="chip">
                        {e}
                      </span>
                    ))}
                  </td>
                  <td data-label="Environments">{w.environments ? w.environments.join(', ') : <span className="muted">all</span>}</td>
                  <td data-label="Created">
                    {timeAgo(w.createdAt)} <span className="muted small">by {w.createdBy}</span>
                  </td>
                  <td className="table__actions">
                    <button type="button" className="button button--quiet" onClick={() => setQuery({ webhook: w.id })}>
                      Deliveries
                    </button>
                    <button type="button" className="button button--quiet" onClick={() => void toggle(w)}>
                      {w.enabled ? 'Disable' : 'Enable'}
                    </button>
                    <button type="button" className="button button--quiet" onClick={() => setRotating(w)}>
                      Rotate secret
                    </button>
                    <button type="button" className="button button--quiet button--danger-text" onClick={() => setDeleting(w)}>
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {current ? <Deliveries key={current.id} webhook={current} /> : null}
      <ConfirmDialog
        open={deleting !== null}
        title={`Delete the webhook to ${deleting?.url ?? ''}?`}
        confirm="Delete webhook"
        onConfirm={() => void remove(deleting!)}
        onClose={() => setDeleting(null)}
      >
        <p>Its delivery log goes with it, and deliveries still queued are dropped.</p>
      </ConfirmDialog>
      <ConfirmDialog
        open={rotating !== null}
        title={`Rotate the secret of ${rotating?.url ?? ''}?`}
        confirm="Rotate secret"
        onConfirm={() => void rotate(rotating!)}
        onClose={() => setRotating(null)}
      >
        <p>A new secret is made and shown once. The current one keeps signing as well for a while, so the receiver can switch over.</p>
      </ConfirmDialog>
    </>
  );
}

const STATUSES = ['', 'pending', 'delivering', 'succeeded', 'failed'] as const;

function Deliveries({ webhook }: { webhook: Webhook }) {
  const { api, toast } = useApp();
  const [status, setStatus] = useState<(typeof STATUSES)[number]>('');
  const [open, setOpen] = useState<string | null>(null);
  const page = useResource<WebhookDeliveryPage>(
    `deliveries:${webhook.id}:${status}`,
    (signal) => api.webhooks.deliveries(webhook.id, { limit: 50, ...(status ? { status } : {}) }, { signal }),
    { keepPrevious: true },
  );

  const redeliver = async (d: WebhookDelivery) => {
    try {
      await api.webhooks.redeliver(webhook.id, d.id);
      toast('success', `Queued ${d.eventType} (${d.id}) again.`);
    } catch (err) {
      toast('error', errorMessage(err));
    }
    void page.reload();
  };

  return (
    <section className="card" aria-labelledby="deliveries-title">
      <div className="card__head">
        <h2 id="deliveries-title" className="card__title">
          Deliveries to {webhook.url}
        </h2>
        <div className="card__tools">
          <label className="inline-field">
            <span>Status</span>
            <select value={status} onChange={(e) => setStatus(e.target.value as typeof status)}>
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {s || 'any'}
                </option>
              ))}
            </select>
          </label>
          <button type="button" className="button button--quiet" onClick={() => void page.reload()}>
            Refresh
          </button>
        </div>
      </div>
      {page.error && !page.data ? <ErrorState error={page.error} onRetry={() => void page.reload()} /> : null}
      {!page.data && !page.error ? <Skeleton rows={3} label="Loading deliveries" /> : null}
      {page.data?.deliveries.length === 0 ? <Empty>No deliveries{status ? ` ${status}` : ''} yet.</Empty> : null}
      {page.data && page.data.deliveries.length > 0 ? (
        <div className="table-wrap">
          <table className="table" aria-label="Delivery log">
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">Status</th>
                <th scope="col">Attempts</th>
                <th scope="col">Last answer</th>
                <th scope="col">Created</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {page.data.deliveries.map((d) => (
                <DeliveryRow
                  key={d.id}
                  delivery={d}
                  open={open === d.id}
                  onToggle={() => setOpen(open === d.id ? null : d.id)}
                  onRedeliver={() => void redeliver(d)}
                />
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

function DeliveryRow({
  delivery: d,
  open,
  onToggle,
  onRedeliver,
}: {
  delivery: WebhookDelivery;
  open: boolean;
  onToggle(): void;
  onRedeliver(): void;
}) {
  return (
    <>
      <tr>
        <td data-label="Event">
          <code>{d.eventType}</code>
          {d.environment ? <span className="muted small"> in {d.environment}</span> : null}
          <div className="muted small mono">{d.id}</div>
        </td>
        <td data-label="Status">
          <span className={`chip delivery--${d.status}`}>{d.status}</span>
          {d.status === 'pending' && d.nextAttemptAt ? (
            <div className="muted small">next {new Date(d.nextAttemptAt).toLocaleTimeString()}</div>
          ) : null}
        </td>
        <td data-label="Attempts">{d.attempts}</td>
        <td data-label="Last answer">
          {d.lastStatusCode !== null ? `HTTP ${d.lastStatusCode}` : d.lastError ? '' : '—'}
          {d.lastError ? <span className="muted small"> {d.lastError}</span> : null}
        </td>
        <td data-label="Created">{timeAgo(d.createdAt)}</td>
        <td className="table__actions">
          <button type="button" className="button button--quiet" aria-expanded={open} onClick={onToggle}>
            {open ? 'Hide attempts' : 'Attempts'}
          </button>
          <button type="button" className="button button--quiet" disabled={d.status === 'delivering'} onClick={onRedeliver}>
            Redeliver
          </button>
        </td>
      </tr>
      {open ? (
        <tr className="delivery__details">
          <td colSpan={6}>
            {d.attemptLog.length === 0 ? <p className="muted">No attempt yet.</p> : null}
            {d.attemptLog.length > 0 ? (
              <table className="table" aria-label={`Attempts of ${d.id}`}>
                <thead>
                  <tr>
                    <th scope="col">#</th>
                    <th scope="col">Started</th>
                    <th scope="col">Took</th>
                    <th scope="col">Status</th>
                    <th scope="col">Error</th>
                    <th scope="col">Answer</th>
                  </tr>
                </thead>
                <tbody>
                  {d.attemptLog.map((a) => (
                    <tr key={a.attempt}>
                      <td>{a.attempt}</td>
                      <td>{new Date(a.startedAt).toLocaleString()}</td>
                      <td>{a.durationMs} ms</td>
                      <td>{a.statusCode ?? '—'}</td>
                      <td>{a.error ?? '—'}</td>
                      <td className="mono small">{a.responseExcerpt ?? ''}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : null}
            <details>
              <summary>Payload</summary>
              <pre className="mono small">{JSON.stringify(d.payload, null, 2)}</pre>
            </details>
          </td>
        </tr>
      ) : null}
    </>
  );
}
