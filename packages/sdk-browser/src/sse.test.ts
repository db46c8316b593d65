import { describe, expect, it } from 'vitest';
import { createSseParser } from './sse.js';

function parse(chunks: string[]): { events: [string, string][]; retries: number[] } {
  const events: [string, string][] = [];
  const retries: number[] = [];
  const feed = createSseParser(
    (type, data) => events.push([type, data]),
    (ms) => retries.push(ms),
  );
  for (const c of chunks) feed(c);
  return { events, retries };
}

const STREAM =
  'retry: 1000\r\nevent: put\r\nid: 4\r\ndata: {"a":1}\r\n\r\n: ping\r\n\r\nevent: patch\rdata: x\rdata:  y\r\rdata\ndata:z\n\nevent: lonely\n\n';
const EXPECTED: [string, string][] = [
  ['put', '{"a":1}'],
  ['patch', 'x\n y'],
  ['message', '\nz'],
];

describe('SSE parser', () => {
  it('handles CRLF, CR and LF line ends, comments, multi-line data, fields without a colon and events without data', () => {
    expect(parse([STREAM])).toEqual({ events: EXPECTED, retries: [1000] });
  });

  it('gives the same events however the stream is split, including between CR and LF', () => {
    for (let i = 0; i <= STREAM.length; i++) {
      for (const j of [i, Math.min(STREAM.length, i + 1), Math.min(STREAM.length, i + 7)]) {
        expect(parse([STREAM.slice(0, i), STREAM.slice(i, j), STREAM.slice(j)]).events).toEqual(EXPECTED);
      }
    }
    expect(parse([...STREAM]).events).toEqual(EXPECTED);
  });

  it('ignores unknown fields and bad retry values, and never dispatches an unterminated event', () => {
    expect(parse(['foo: bar\nretry: 1s\nretry: -5\ndata: kept\n\ndata: unterminated\n'])).toEqual({
      events: [['message', 'kept']],
      retries: [],
    });
  });

  it('reads a long event fed in small chunks in linear work (a large put over a slow link)', () => {
    const size = 1_000_000;
    const text = `event: put\ndata: ${'x'.repeat(size)}\n\n`;
    const events: string[] = [];
    const feed = createSseParser(
      (_type, data) => events.push(data),
      () => {},
    );
    // Counts the characters the parser hands to split(): re-splitting everything buffered on
    // every chunk is quadratic (~360 M characters here); splitting only new text is linear.
    const split = String.prototype.split;
    let scanned = 0;
    String.prototype.split = function (this: string, ...args: Parameters<typeof split>) {
      scanned += this.length;
      return split.apply(this, args);
    } as typeof split;
    try {
      for (let i = 0; i < text.length; i += 1_400) feed(text.slice(i, i + 1_400));
    } finally {
      String.prototype.split = split;
    }
    expect(events.map((e) => e.length)).toEqual([size]);
    expect(scanned).toBeLessThanOrEqual(text.length);
  });
});
