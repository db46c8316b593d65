// Strict SemVer 2.0.0; no leading "v", no loose forms, so every SDK parses alike.
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+[0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*)?$/;

/** Negative, zero or positive like a comparator; NaN when either side is not a version. */
export function compareSemver(a: unknown, b: unknown): number {
  if (typeof a !== 'string' || typeof b !== 'string') return NaN;
  const x = SEMVER.exec(a);
  const y = SEMVER.exec(b);
  if (!x || !y) return NaN;
  for (let i = 1; i <= 3; i++) {
    const d = Number(x[i]) - Number(y[i]);
    if (d !== 0) return d;
  }
  const pa = x[4];
  const pb = y[4];
  // A version without a pre-release outranks one with it (semver.org §11.3).
  if (pa === undefined || pb === undefined) return pa === pb ? 0 : pa === undefined ? 1 : -1;
  const ia = pa.split('.');
  const ib = pb.split('.');
  for (let i = 0; i < ia.length && i < ib.length; i++) {
    const sa = ia[i]!;
    const sb = ib[i]!;
    if (sa === sb) continue;
    const na = /^\d+$/.test(sa);
    const nb = /^\d+$/.test(sb);
    if (na && nb) return Number(sa) - Number(sb);
    if (na !== nb) return na ? -1 : 1;
    return sa < sb ? -1 : 1;
  }
  return ia.length - ib.length;
}
