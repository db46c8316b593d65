import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { SnapshotEncodings, chooseCoding, codedEtag, revisionMatches } from './snapshot-encodings.js';

describe('chooseCoding', () => {
  it('prefers br, then gzip, by Accept-Encoding', () => {
    expect(chooseCoding('gzip, deflate, br')).toBe('br');
    expect(chooseCoding('br, gzip')).toBe('br');
    expect(chooseCoding('gzip, deflate')).toBe('gzip');
    expect(chooseCoding('GZIP')).toBe('gzip');
    expect(chooseCoding('br;q=0.5, gzip;q=0.9')).toBe('gzip');
    expect(chooseCoding('*')).toBe('br');
    expect(chooseCoding(['gzip', 'br'])).toBe('br');
  });

  it('answers identity when nothing we make is accepted', () => {
    expect(chooseCoding(undefined)).toBeUndefined();
    expect(chooseCoding('')).toBeUndefined();
    expect(chooseCoding('identity')).toBeUndefined();
    expect(chooseCoding('deflate')).toBeUndefined();
    expect(chooseCoding('br;q=0, gzip;q=0')).toBeUndefined();
    expect(chooseCoding('*, br;q=0, gzip;q=0')).toBeUndefined();
    expect(chooseCoding('br;q=nonsense')).toBeUndefined();
  });
});

describe('ETags per coding', () => {
  it('adds the coding inside the quotes', () => {
    expect(codedEtag('"42"', undefined)).toBe('"42"');
    expect(codedEtag('"42"', 'br')).toBe('"42-br"');
    expect(codedEtag('"42"', 'gzip')).toBe('"42-gzip"');
  });

  it('an If-None-Match naming the revision in any coding matches it; other revisions do not', () => {
    for (const header of ['"42"', '"42-br"', 'W/"42-gzip"', '"41", "42-br"', '*'])
      expect(revisionMatches(header, '"42"'), header).toBe(true);
    for (const header of [undefined, '', '"41"', '"42-deflate"', '"421"', '42', '"4"', '"42-br-br"']) {
      expect(revisionMatches(header, '"42"'), String(header)).toBe(false);
    }
  });
});

describe('SnapshotEncodings', () => {
  const body = Buffer.from(
    JSON.stringify({ revision: 7, flags: Object.fromEntries([...Array(200).keys()].map((i) => [`flag-${i}`, { i }])) }),
  );

  it('compresses once per projection and coding and shares the bytes', async () => {
    const encodings = new SnapshotEncodings();
    const projection = {};
    const first = encodings.encoded(projection, body, 'br');
    const concurrent = encodings.encoded(projection, body, 'br');
    expect(concurrent).toBe(first);
    const br = await first;
    expect(encodings.encoded(projection, body, 'br')).toBe(br);
    expect(brotliDecompressSync(br).equals(body)).toBe(true);
    expect(br.length).toBeLessThan(body.length / 4);
    const gz = await encodings.encoded(projection, body, 'gzip');
    expect(gunzipSync(gz).equals(body)).toBe(true);
  });

  it('a new projection (a new revision) gets its own bytes', async () => {
    const encodings = new SnapshotEncodings();
    const other = Buffer.from('{"revision":8}');
    const a = await encodings.encoded({}, body, 'gzip');
    const b = await encodings.encoded({}, other, 'gzip');
    expect(gunzipSync(a).equals(body)).toBe(true);
    expect(gunzipSync(b).equals(other)).toBe(true);
  });
});
