import { afterEach, describe, expect, it } from 'vitest';
import { act, cleanup, render } from '@testing-library/react';
import { renderToString } from 'react-dom/server';
import { hydrateRoot } from 'react-dom/client';
import { createClient, type ClientSnapshot, type SwitchboardClient } from '@switchboard/browser';
import type { Flag } from '@switchboard/core';
import { FlagsProvider, useFlag, useVariant } from './index.js';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const flag = (key: string, overrides: Partial<Flag> = {}): Flag => ({
  key,
  version: 1,
  type: 'boolean',
  enabled: true,
  variants: { on: true, off: false },
  offVariant: 'off',
  fallthrough: { variant: 'on' },
  ...overrides,
});

const snapshot = (revision: number, ...flags: Flag[]): ClientSnapshot => ({
  schemaVersion: 1,
  environment: 'production',
  revision,
  flags: Object.fromEntries(flags.map((f) => [f.key, f])),
  segments: {},
});

const projection = snapshot(
  1,
  flag('eu-banner', {
    rules: [{ id: 'eu', conditions: [{ attribute: 'country', operator: 'in', values: ['DE', 'FR'] }], serve: { variant: 'on' } }],
    fallthrough: { variant: 'off' },
  }),
  flag('dark-mode'),
  {
    key: 'theme',
    version: 1,
    type: 'json',
    enabled: true,
    variants: { a: { accent: 'blue' } },
    offVariant: 'a',
    fallthrough: { variant: 'a' },
  },
);

/** A client fed by a stream the test writes patches to. */
function streamingClient(initial: ClientSnapshot): { client: SwitchboardClient; patch(flag: Flag, revision: number): void } {
  const encoder = new TextEncoder();
  let push: (text: string) => void = () => {};
  const fetchStub = (async () =>
    new Response(
      new ReadableStream<Uint8Array>({
        start(controller) {
          push = (text) => controller.enqueue(encoder.encode(text));
          push(`event: put\ndata: ${JSON.stringify(initial)}\n\n`);
        },
      }),
      { headers: { 'content-type': 'text/event-stream' } },
    )) as typeof fetch;
  const client = createClient({
    url: 'http://flags.test',
    key: 'k',
    fetch: fetchStub,
    storage: false,
    events: false,
    context: { userId: 'u1', country: 'US' },
  });
  return { client, patch: (f, revision) => push(`event: patch\ndata: ${JSON.stringify({ revision, key: f.key, flag: f })}\n\n`) };
}

const renders: Record<string, number> = {};
function Probe({ name, flagKey }: { name: string; flagKey: string }) {
  renders[name] = (renders[name] ?? 0) + 1;
  const on = useFlag(flagKey, false);
  return <span data-testid={name}>{on ? 'on' : 'off'}</span>;
}
function VariantProbe() {
  renders.variant = (renders.variant ?? 0) + 1;
  const r = useVariant('eu-banner');
  return <span data-testid="variant">{`${r.variant}/${r.reason}`}</span>;
}
function MissingProbe() {
  renders.missing = (renders.missing ?? 0) + 1;
  const theme = useFlag('no-such-flag', { accent: 'grey' });
  return <span data-testid="missing">{theme.accent}</span>;
}

afterEach(() => {
  cleanup();
  for (const k of Object.keys(renders)) delete renders[k];
});

describe('React bindings', () => {
  it('re-renders only the components whose flag changed', async () => {
    const { client, patch } = streamingClient(projection);
    await client.ready();
    const view = render(
      <FlagsProvider client={client}>
        <Probe name="banner" flagKey="eu-banner" />
        <Probe name="dark" flagKey="dark-mode" />
        <VariantProbe />
        <MissingProbe />
      </FlagsProvider>,
    );
    expect(view.getByTestId('banner').textContent).toBe('off');
    expect(view.getByTestId('dark').textContent).toBe('on');
    expect(view.getByTestId('variant').textContent).toBe('off/DEFAULT');
    expect(view.getByTestId('missing').textContent).toBe('grey');
    const before = { ...renders };

    // A kill switch on dark-mode: only its component renders again.
    await act(async () => {
      patch(flag('dark-mode', { version: 2, enabled: false }), 2);
      await new Promise((r) => setTimeout(r, 20));
    });
    expect(view.getByTestId('dark').textContent).toBe('off');
    expect(renders).toEqual({ ...before, dark: before.dark! + 1 });

    // A context change: only the flags whose result changed for the new context.
    await act(() => client.setContext({ userId: 'u1', country: 'DE' }));
    expect(view.getByTestId('banner').textContent).toBe('on');
    expect(view.getByTestId('variant').textContent).toBe('on/TARGETING_MATCH');
    expect(renders).toEqual({ ...before, dark: before.dark! + 1, banner: before.banner! + 1, variant: before.variant! + 1 });
    await client.close();
  });

  it('re-renders useVariant when only the rule that decided changes', async () => {
    const rules = snapshot(
      1,
      flag('beta', {
        rules: [
          { id: 'pro', conditions: [{ attribute: 'plan', operator: 'eq', values: ['pro'] }], serve: { variant: 'on' } },
          { id: 'de', conditions: [{ attribute: 'country', operator: 'eq', values: ['DE'] }], serve: { variant: 'on' } },
        ],
        fallthrough: { variant: 'off' },
      }),
    );
    const client = createClient({ offline: true, bootstrap: rules, context: { userId: 'u1', plan: 'pro' } });
    await client.ready();
    function Rule() {
      const r = useVariant('beta');
      return <span data-testid="rule">{`${r.variant}/${r.ruleId}`}</span>;
    }
    const view = render(
      <FlagsProvider client={client}>
        <Rule />
      </FlagsProvider>,
    );
    expect(view.getByTestId('rule').textContent).toBe('on/pro');
    await act(() => client.setContext({ userId: 'u1', country: 'DE' }));
    expect(view.getByTestId('rule').textContent).toBe('on/de');
  });

  it('renders on the server from a bootstrap and hydrates to the same markup', async () => {
    const app = (client: SwitchboardClient) => (
      <FlagsProvider client={client}>
        <Probe name="banner" flagKey="eu-banner" />
        <Probe name="dark" flagKey="dark-mode" />
      </FlagsProvider>
    );
    // Server side: an offline client per request, on the snapshot the page will embed.
    const serverClient = createClient({ offline: true, bootstrap: projection, context: { userId: 'u1', country: 'FR' } });
    const html = renderToString(app(serverClient));
    expect(html).toContain('>on</span>');
    expect(html).not.toContain('>off</span>');

    // Browser side: an online client with the same bootstrap serves it before any network answer.
    const container = document.createElement('div');
    container.innerHTML = html;
    document.body.appendChild(container);
    const never = (() => new Promise<Response>(() => {})) as typeof fetch;
    const browserClient = createClient({
      url: 'http://flags.test',
      key: 'k',
      fetch: never,
      storage: false,
      events: false,
      bootstrap: projection,
      context: { userId: 'u1', country: 'FR' },
    });
    const errors: unknown[] = [];
    await act(async () => {
      hydrateRoot(container, app(browserClient), { onRecoverableError: (e) => errors.push(e) });
    });
    expect(errors).toEqual([]);
    expect(container.innerHTML).toBe(html);
    await browserClient.close();
  });

  it('says what is missing without a provider', () => {
    const spy = console.error;
    console.error = () => {};
    try {
      expect(() => render(<Probe name="x" flagKey="f" />)).toThrow(/FlagsProvider/);
    } finally {
      console.error = spy;
    }
  });
});
