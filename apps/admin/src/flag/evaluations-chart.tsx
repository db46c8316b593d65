/** Evaluations per variant over time, from what SDKs report: an inline SVG line chart plus its data as a table. */
import { useState } from 'react';
import { isApiError } from '../api/client';
import type { EvaluationMetrics } from '@switchboard/api-client';
import { useApp } from '../app-context';
import { ErrorState, Skeleton } from '../components/page';
import { useResource } from '../use-resource';

/** About 60-170 points each: readable at the chart's width. `step` is in minutes. */
const RANGES = [
  { value: '1h', label: 'Last hour', ms: 3_600_000, step: 1 },
  { value: '24h', label: 'Last 24 hours', ms: 86_400_000, step: 15 },
  { value: '7d', label: 'Last 7 days', ms: 7 * 86_400_000, step: 60 },
] as const;

export const VARIANT_COLORS = ['#2f5bd3', '#d9480f', '#2b8a3e', '#ae3ec9', '#e8a200', '#0c8599', '#c2255c', '#5c7cfa'];
const DEFAULT_COLOR = '#868e96';

export function variantColor(variant: string | null, variants: string[]): string {
  if (variant === null) return DEFAULT_COLOR;
  const i = variants.indexOf(variant);
  return VARIANT_COLORS[(i === -1 ? variants.length : i) % VARIANT_COLORS.length]!;
}

function niceMax(n: number): number {
  if (n <= 4) return 4;
  const p = 10 ** Math.floor(Math.log10(n));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= n) return m * p;
  return 10 * p;
}

function label(iso: string, rangeMs: number): string {
  const d = new Date(iso);
  return rangeMs > 86_400_000
    ? d.toLocaleDateString(undefined, { day: 'numeric', month: 'short' })
    : d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}

export function EvaluationsChart({ flagKey, environment, variants }: { flagKey: string; environment: string; variants: string[] }) {
  const { api } = useApp();
  const [range, setRange] = useState<(typeof RANGES)[number]['value']>('24h');
  const { ms: rangeMs, step } = RANGES.find((r) => r.value === range)!;
  const metrics = useResource<EvaluationMetrics | 'unsupported'>(
    `metrics:${flagKey}:${environment}:${range}`,
    async (signal) => {
      const to = new Date();
      const from = new Date(to.getTime() - rangeMs);
      try {
        return await api.configs.metrics(flagKey, environment, { from: from.toISOString(), to: to.toISOString(), step }, { signal });
      } catch (err) {
        // A server without the metrics routes answers 404 for the route itself.
        if (isApiError(err) && err.status === 404 && !/environment|flag/i.test(err.message)) return 'unsupported';
        throw err;
      }
    },
    { refreshOn: () => false },
  );

  return (
    <section className="card" aria-labelledby="evaluations-title">
      <div className="card__head">
        <h2 id="evaluations-title" className="card__title">
          Evaluations
        </h2>
        <div className="card__tools">
          <label className="inline-field">
            <span>Range</span>
            <select value={range} onChange={(e) => setRange(e.target.value as typeof range)}>
              {RANGES.map((r) => (
                <option key={r.value} value={r.value}>
                  {r.label}
                </option>
              ))}
            </select>
          </label>
          <button type="button" className="button button--quiet" onClick={() => void metrics.reload()}>
            Refresh
          </button>
        </div>
      </div>
      <div className="chart-frame">
        {metrics.error ? <ErrorState error={metrics.error} onRetry={() => void metrics.reload()} /> : null}
        {!metrics.data && !metrics.error ? <Skeleton rows={3} label="Loading evaluations" /> : null}
        {metrics.data === 'unsupported' ? (
          <p className="muted">This server does not report evaluation metrics yet.</p>
        ) : metrics.data ? (
          <Chart data={metrics.data} variants={variants} rangeMs={rangeMs} />
        ) : null}
      </div>
    </section>
  );
}

const W = 720;
const H = 220;
const PAD = { l: 48, r: 12, t: 12, b: 28 };

function Chart({ data, variants, rangeMs }: { data: EvaluationMetrics; variants: string[]; rangeMs: number }) {
  if (data.total === 0 || data.times.length === 0) {
    return (
      <p className="muted">No evaluations reported in this range. SDKs report counts about every minute once they evaluate this flag.</p>
    );
  }
  const n = data.times.length;
  const max = niceMax(Math.max(...data.series.flatMap((s) => s.counts)));
  const x = (i: number) => PAD.l + (n === 1 ? 0 : (i * (W - PAD.l - PAD.r)) / (n - 1));
  const y = (v: number) => PAD.t + (H - PAD.t - PAD.b) * (1 - v / max);
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => Math.round(max * f));
  const xTicks = [0, Math.floor((n - 1) / 2), n - 1];
  const name = (v: string | null) => v ?? 'default (error)';
  return (
    <div className="chart">
      <ul className="legend" aria-label="Variants">
        {data.series.map((s) => (
          <li key={s.variant ?? '(default)'}>
            <span className="legend__swatch" style={{ background: variantColor(s.variant, variants) }} aria-hidden="true" />
            {name(s.variant)} <span className="muted">{s.total.toLocaleString()}</span>
          </li>
        ))}
      </ul>
      <svg
        viewBox={`0 0 ${W} ${H}`}
        className="chart__svg"
        role="img"
        aria-label={`Evaluations per variant, ${data.step}-minute steps: ${data.series.map((s) => `${name(s.variant)} ${s.total}`).join(', ')}`}
      >
        {ticks.map((t) => (
          <g key={t}>
            <line x1={PAD.l} x2={W - PAD.r} y1={y(t)} y2={y(t)} className="chart__grid" />
            <text x={PAD.l - 6} y={y(t) + 4} textAnchor="end" className="chart__tick">
              {t.toLocaleString()}
            </text>
          </g>
        ))}
        {xTicks.map((i) => (
          <text key={i} x={x(i)} y={H - 8} textAnchor={i === 0 ? 'start' : i === n - 1 ? 'end' : 'middle'} className="chart__tick">
            {label(data.times[i]!, rangeMs)}
          </text>
        ))}
        {data.series.map((s) => (
          <polyline
            key={s.variant ?? '(default)'}
            fill="none"
            stroke={variantColor(s.variant, variants)}
            strokeWidth={2}
            strokeLinejoin="round"
            points={s.counts.map((c, i) => `${x(i).toFixed(1)},${y(c).toFixed(1)}`).join(' ')}
          />
        ))}
      </svg>
      <details className="chart__table">
        <summary>Show as a table</summary>
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">From</th>
                {data.series.map((s) => (
                  <th key={s.variant ?? '(default)'} scope="col">
                    {name(s.variant)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {data.times.map((t, i) =>
                data.series.some((s) => (s.counts[i] ?? 0) > 0) ? (
                  <tr key={t}>
                    <th scope="row">{new Date(t).toLocaleString()}</th>
                    {data.series.map((s) => (
                      <td key={s.variant ?? '(default)'}>{(s.counts[i] ?? 0).toLocaleString()}</td>
                    ))}
                  </tr>
                ) : null,
              )}
            </tbody>
          </table>
        </div>
      </details>
    </div>
  );
}
