/**
 * A guard's two arms side by side: each arm's estimate as a dot with its confidence
 * interval as a bar, on one shared axis, so overlap (or its absence) is visible at a glance.
 * Inline SVG like the evaluations chart, with the same numbers in text for screen readers.
 */
import { formatValue, type ArmEstimate } from '../model/release';

const W = 420;
const ROW = 26;
const PAD = { l: 92, r: 16, t: 8, b: 24 };

export interface ArmSeries {
  label: string;
  color: string;
  estimate: ArmEstimate;
}

function niceRange(lo: number, hi: number): [number, number] {
  if (!(hi > lo)) {
    const pad = Math.abs(lo) > 0 ? Math.abs(lo) * 0.5 : 0.01;
    return [Math.max(0, lo - pad), hi + pad];
  }
  const pad = (hi - lo) * 0.1;
  return [lo >= 0 ? Math.max(0, lo - pad) : lo - pad, hi + pad];
}

export function IntervalChart({ title, metric, arms }: { title: string; metric: 'rate' | 'mean'; arms: ArmSeries[] }) {
  const known = arms.filter((a) => a.estimate.value !== null);
  if (known.length === 0) return <p className="muted small">No {title} data yet for either arm.</p>;
  const lows = known.map((a) => a.estimate.ciLow ?? a.estimate.value!);
  const highs = known.map((a) => a.estimate.ciHigh ?? a.estimate.value!);
  const [lo, hi] = niceRange(Math.min(...lows), Math.max(...highs));
  const H = PAD.t + PAD.b + ROW * arms.length;
  const x = (v: number) => PAD.l + ((v - lo) / (hi - lo)) * (W - PAD.l - PAD.r);
  const ticks = [lo, (lo + hi) / 2, hi];
  const describe = (a: ArmSeries) =>
    a.estimate.value === null
      ? `${a.label}: no data`
      : `${a.label} ${formatValue(a.estimate.value, metric)}` +
        (a.estimate.ciLow !== null && a.estimate.ciHigh !== null
          ? ` (${formatValue(a.estimate.ciLow, metric)} to ${formatValue(a.estimate.ciHigh, metric)})`
          : '') +
        `, ${a.estimate.units.toLocaleString()} units`;
  return (
    <svg
      viewBox={`0 0 ${W} ${H}`}
      className="chart__svg release-chart"
      role="img"
      aria-label={`${title} per arm with confidence intervals: ${arms.map(describe).join('; ')}`}
    >
      {ticks.map((t, i) => (
        <g key={i}>
          <line x1={x(t)} x2={x(t)} y1={PAD.t} y2={H - PAD.b} className="chart__grid" />
          <text x={x(t)} y={H - 8} textAnchor={i === 0 ? 'start' : i === 2 ? 'end' : 'middle'} className="chart__tick">
            {formatValue(t, metric)}
          </text>
        </g>
      ))}
      {arms.map((a, i) => {
        const cy = PAD.t + ROW * i + ROW / 2;
        const e = a.estimate;
        return (
          <g key={a.label}>
            <text x={PAD.l - 8} y={cy + 4} textAnchor="end" className="chart__tick">
              {a.label}
            </text>
            {e.value !== null && e.ciLow !== null && e.ciHigh !== null ? (
              <line
                x1={x(Math.max(lo, e.ciLow))}
                x2={x(Math.min(hi, e.ciHigh))}
                y1={cy}
                y2={cy}
                stroke={a.color}
                strokeWidth={6}
                strokeLinecap="round"
                opacity={0.35}
              />
            ) : null}
            {e.value !== null ? <circle cx={x(e.value)} cy={cy} r={5} fill={a.color} /> : null}
          </g>
        );
      })}
    </svg>
  );
}
