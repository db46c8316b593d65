/**
 * Compressed copies of the snapshot answer, made once per projection (so once per revision
 * and key kind) and then shared by every poll: compression costs nothing per request.
 * Each coding has its own ETag so no cache hands one coding's bytes to a request for another.
 */
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';

export type SnapshotCoding = 'br' | 'gzip';

const brotli = promisify(brotliCompress);
const gz = promisify(gzip);
/** Brotli's best ratio is slow on big snapshots; above this size a middle quality keeps the first poll after a change quick. */
const BEST_QUALITY_MAX_BYTES = 256 * 1024;

/** `br` when accepted, else `gzip`, else undefined (identity). `q=0` refuses a coding; `*` accepts both. */
export function chooseCoding(header: string | string[] | undefined): SnapshotCoding | undefined {
  if (header === undefined) return undefined;
  const accepted = new Map<string, number>();
  for (const part of (Array.isArray(header) ? header.join(',') : header).split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const weight = q === undefined ? 1 : Number(q.slice(2));
    accepted.set(name, Number.isFinite(weight) ? weight : 0);
  }
  const weightOf = (coding: SnapshotCoding) => accepted.get(coding) ?? accepted.get('*') ?? 0;
  const br = weightOf('br');
  const gzipWeight = weightOf('gzip');
  if (br > 0 && br >= gzipWeight) return 'br';
  if (gzipWeight > 0) return 'gzip';
  return undefined;
}

/** `"42"` → `"42-br"`: the revision's tag, told apart per coding. */
export function codedEtag(etag: string, coding: SnapshotCoding | undefined): string {
  return coding === undefined ? etag : `${etag.slice(0, -1)}-${coding}"`;
}

/** True when `If-None-Match` names this revision in any coding (or is `*`): a 304 carries no body, so the coding doesn't matter. */
export function revisionMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const bare = etag.slice(1, -1);
  for (const raw of header.split(',')) {
    const tag = raw.trim().replace(/^W\//, '');
    if (tag === '*') return true;
    if (!tag.startsWith('"') || !tag.endsWith('"')) continue;
    const inner = tag.slice(1, -1).replace(/-(?:br|gzip)$/, '');
    if (inner === bare) return true;
  }
  return false;
}

type Cached = Buffer | Promise<Buffer>;

/** The compressed bytes of each projection's body, kept as long as the projection is (it is replaced on every change). */
export class SnapshotEncodings {
  private readonly cache = new WeakMap<object, Partial<Record<SnapshotCoding, Cached>>>();

  /** The bytes at once when already made, else a promise every concurrent request shares. */
  encoded(projection: object, body: Buffer, coding: SnapshotCoding): Cached {
    let entry = this.cache.get(projection);
    if (!entry) {
      entry = {};
      this.cache.set(projection, entry);
    }
    const held = entry[coding];
    if (held !== undefined) return held;
    const made = compress(body, coding).then(
      (bytes) => {
        entry[coding] = bytes;
        return bytes;
      },
      (error: unknown) => {
        delete entry[coding];
        throw error;
      },
    );
    entry[coding] = made;
    return made;
  }
}

function compress(body: Buffer, coding: SnapshotCoding): Promise<Buffer> {
  if (coding === 'gzip') return gz(body, { level: constants.Z_BEST_COMPRESSION });
  const quality = body.length <= BEST_QUALITY_MAX_BYTES ? constants.BROTLI_MAX_QUALITY : 6;
  return brotli(body, {
    params: {
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      [constants.BROTLI_PARAM_QUALITY]: quality,
      [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
    },
  });
}
