import { describe, expect, it } from 'vitest';
import { SseParser, type ServerSentEvent } from './sse-parser.js';

interface Parsed {
  events: ServerSentEvent[];
  retries: number[];
  comments: string[];
}

function parseChunks(chunks: Uint8Array[]): Parsed {
  const out: Parsed = { events: [], retries: [], comments: [] };
  const parser = new SseParser({
    onEvent: (e) => out.events.push(e),
    onRetry: (ms) => out.retries.push(ms),
    onComment: (c) => out.comments.push(c),
  });
  for (const c of chunks) parser.push(c);
  parser.end();
  return out;
}

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Parses `input` whole, then split into two chunks at every byte position, then one byte at a time. */
function parseEverySplit(input: Uint8Array): { whole: Parsed; splits: Parsed[]; bytewise: Parsed } {
  const whole = parseChunks([input]);
  const splits: Parsed[] = [];
  for (let i = 1; i < input.length; i++) splits.push(parseChunks([input.subarray(0, i), input.subarray(i)]));
  const bytewise = parseChunks(Array.from(input, (_b, i) => input.subarray(i, i + 1)));
  return { whole, splits, bytewise };
}

function expectSameAtEverySplit(input: Uint8Array): Parsed {
  const { whole, splits, bytewise } = parseEverySplit(input);
  for (const [i, p] of splits.entries()) expect(p, `split at byte ${i + 1}`).toEqual(whole);
  expect(bytewise).toEqual(whole);
  return whole;
}

describe('SseParser', () => {
  it('parses named events with id and data, and defaults the type to message', () => {
    const { events } = parseChunks([bytes('event: put\nid: 7\ndata: {"a":1}\n\ndata: plain\n\n')]);
    expect(events).toEqual([
      { type: 'put', data: '{"a":1}', lastEventId: '7' },
      { type: 'message', data: 'plain', lastEventId: '7' },
    ]);
  });

  it('joins multi-line data with LF and strips only one leading space', () => {
    const { events } = parseChunks([bytes('data:  two spaces\ndata:none\ndata\ndata: \n\n')]);
    expect(events).toEqual([{ type: 'message', data: ' two spaces\nnone\n\n', lastEventId: '' }]);
  });

  it('treats CR, LF and CRLF as line ends, mixed in one stream', () => {
    const input = 'event: a\rdata: 1\r\revent: b\r\ndata: 2\r\n\r\nevent: c\ndata: 3\n\n';
    const { events } = parseChunks([bytes(input)]);
    expect(events.map((e) => [e.type, e.data])).toEqual([
      ['a', '1'],
      ['b', '2'],
      ['c', '3'],
    ]);
  });

  it('gives the same events at every split position, including inside CRLF and multi-byte characters', () => {
    const input = bytes(
      '\uFEFF: hello\r\nretry: 1500\r\nevent: put\r\nid: 1\r\ndata: {"name":"Zoë ⚑ 日本 🚀"}\r\n\r\n' +
        'event: patch\rdata: é\r\r' +
        ': ping\n\nevent: patch\ndata: line1\ndata: 😀\n\n',
    );
    const whole = expectSameAtEverySplit(input);
    expect(whole.events).toEqual([
      { type: 'put', data: '{"name":"Zoë ⚑ 日本 🚀"}', lastEventId: '1' },
      { type: 'patch', data: 'é', lastEventId: '1' },
      { type: 'patch', data: 'line1\n😀', lastEventId: '1' },
    ]);
    expect(whole.retries).toEqual([1500]);
    expect(whole.comments).toEqual([' hello', ' ping']);
  });

  it('drops a leading BOM once, and keeps a later U+FEFF as data', () => {
    const { events } = parseChunks([bytes('\uFEFFdata: \uFEFFx\n\n')]);
    expect(events).toEqual([{ type: 'message', data: '\uFEFFx', lastEventId: '' }]);
    // Without a BOM the first field still parses.
    expect(parseChunks([bytes('data: y\n\n')]).events[0]!.data).toBe('y');
  });

  it('drops a leading BOM in decoded text too', () => {
    const events: ServerSentEvent[] = [];
    const parser = new SseParser({ onEvent: (e) => events.push(e) });
    parser.pushText('\uFEFF');
    parser.pushText('data: z\n\n');
    expect(events.map((e) => e.data)).toEqual(['z']);
  });

  it('decodes multi-byte UTF-8 split across chunks', () => {
    const rocket = bytes('data: 🚀\n\n'); // the rocket is 4 bytes
    for (let i = 7; i < 10; i++) {
      expect(parseChunks([rocket.subarray(0, i), rocket.subarray(i)]).events[0]!.data).toBe('🚀');
    }
  });

  it('reports comments and ignores them otherwise', () => {
    const { events, comments } = parseChunks([bytes(': ping\n\n:\n\ndata: x\n: inside\n\n')]);
    expect(comments).toEqual([' ping', '', ' inside']);
    expect(events.map((e) => e.data)).toEqual(['x']);
  });

  it('ignores unknown fields, and lines without a colon name a field with an empty value', () => {
    const { events } = parseChunks([bytes('foo: bar\nevent\ndata: 1\n\nbogus\ndata\n\n')]);
    expect(events).toEqual([
      { type: 'message', data: '1', lastEventId: '' },
      { type: 'message', data: '', lastEventId: '' },
    ]);
  });

  it('dispatches nothing for a blank line without data, and resets the event type', () => {
    const { events } = parseChunks([bytes('event: put\n\ndata: x\n\n')]);
    expect(events).toEqual([{ type: 'message', data: 'x', lastEventId: '' }]);
  });

  it('accepts retry only as ASCII digits', () => {
    const { retries } = parseChunks([bytes('retry: 10\nretry: 1e3\nretry: -5\nretry:  7\nretry: 3000\n\n')]);
    expect(retries).toEqual([10, 3000]);
  });

  it('keeps the last event id across events, ignores ids containing NUL, and lets an empty id reset it', () => {
    const { events } = parseChunks([bytes('id: 5\ndata: a\n\nid: 6\u0000\ndata: b\n\nid\ndata: c\n\n')]);
    expect(events.map((e) => e.lastEventId)).toEqual(['5', '5', '']);
  });

  it('discards an event cut off by the end of the stream', () => {
    const { events } = parseChunks([bytes('data: complete\n\ndata: partial\n')]);
    expect(events.map((e) => e.data)).toEqual(['complete']);
  });

  it('stops dispatching after close()', () => {
    const events: string[] = [];
    const parser = new SseParser({
      onEvent: (e) => {
        events.push(e.data);
        parser.close();
      },
    });
    parser.push(bytes('data: 1\n\ndata: 2\n\n'));
    expect(events).toEqual(['1']);
  });

  it('handles a large event split into many chunks without losing bytes', () => {
    const big = 'x'.repeat(300_000) + 'ü';
    const input = bytes(`event: put\ndata: ${big}\n\n`);
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < input.length; i += 16_383) chunks.push(input.subarray(i, i + 16_383));
    const { events } = parseChunks(chunks);
    expect(events).toHaveLength(1);
    expect(events[0]!.data).toBe(big);
  });

  describe('size limit', () => {
    /** Parses `input` with a 20-character limit, whole and at every split; returns what it saw. */
    function limited(input: string): { events: string[]; tooLarge: number[] } {
      const run = (chunks: Uint8Array[]) => {
        const out = { events: [] as string[], tooLarge: [] as number[] };
        const parser = new SseParser({ onEvent: (e) => out.events.push(e.data), onTooLarge: (limit) => out.tooLarge.push(limit) }, 20);
        for (const c of chunks) parser.push(c);
        parser.end();
        return out;
      };
      const b = bytes(input);
      const whole = run([b]);
      for (let i = 1; i < b.length; i++) expect(run([b.subarray(0, i), b.subarray(i)]), `split at byte ${i}`).toEqual(whole);
      expect(run(Array.from(b, (_x, i) => b.subarray(i, i + 1)))).toEqual(whole);
      return whole;
    }

    it('accepts an event whose lines and data fit, and counts each event afresh', () => {
      expect(limited('data: 01234567890123\n\ndata: 01234567890123\n\n')).toEqual({
        events: ['01234567890123', '01234567890123'],
        tooLarge: [],
      });
    });

    it('gives up once a line that never ends passes the limit, ignoring what follows', () => {
      expect(limited('data: a\n\n' + 'x'.repeat(21) + '\n\ndata: b\n\n')).toEqual({ events: ['a'], tooLarge: [20] });
      expect(limited('data: a\n\n' + 'x'.repeat(40))).toEqual({ events: ['a'], tooLarge: [20] });
    });

    it('gives up on an event whose data lines add up past the limit', () => {
      expect(limited('data: 0123456789\ndata: 0123456789\n\ndata: b\n\n')).toEqual({ events: [], tooLarge: [20] });
    });

    it('does not add up comments or lines of ignored fields', () => {
      expect(limited(': ping\n'.repeat(20) + 'foo: bar\n'.repeat(20) + 'data: ok\n\n')).toEqual({ events: ['ok'], tooLarge: [] });
    });
  });
});
