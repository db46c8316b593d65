/**
 * A push parser for `text/event-stream`, following the WHATWG HTML "server-sent events"
 * interpretation rules: UTF-8 decoding (a leading BOM is dropped), lines ending in CRLF,
 * LF or CR, comments, `event`/`data`/`id`/`retry` fields, and dispatch on a blank line.
 * Chunks may split anywhere, including inside a CRLF pair or a multi-byte character.
 *
 * What it holds is bounded: an event whose data so far plus the line being read passes
 * `maxEventLength` characters stops the parser (`onTooLarge`), whether the line has ended
 * or not, so a stream that never sends a line break can't grow memory without end.
 */

export interface ServerSentEvent {
  /** `event:` field, or `message` when the event named none. */
  type: string;
  /** `data:` lines joined with `\n`. */
  data: string;
  /** The last event id seen on this stream (it persists across events). */
  lastEventId: string;
}

export interface SseHandlers {
  onEvent(event: ServerSentEvent): void;
  /** A valid `retry:` field: the server's reconnection delay in milliseconds. */
  onRetry?(ms: number): void;
  /** A comment line (`: ping`), without the colon. */
  onComment?(text: string): void;
  /** An event or line passed the limit; the parser has stopped (`limit` is in characters). */
  onTooLarge?(limit: number): void;
}

const LF = 10;
const STREAMING = { stream: true };

export class SseParser {
  private readonly decoder = new TextDecoder('utf-8');
  private readonly handlers: SseHandlers;
  /** Text of a line not yet terminated. */
  private line = '';
  /** The previous chunk ended in CR, so a leading LF belongs to that line break. */
  private afterCR = false;
  private started = false;
  private data = '';
  private hasData = false;
  private eventType = '';
  private lastEventId = '';
  private closed = false;
  private readonly maxEventLength: number;

  /**
   * `maxEventLength`: characters of decoded text, counting a line whole (field name
   * included) and the event's data lines so far. For the ASCII JSON a server sends, a
   * character is a byte.
   */
  constructor(handlers: SseHandlers, maxEventLength = Infinity) {
    this.handlers = handlers;
    this.maxEventLength = maxEventLength;
  }

  /** Feeds raw bytes from the network. */
  push(bytes: Uint8Array): void {
    // The decoder keeps an incomplete multi-byte sequence until the next chunk and
    // drops a leading BOM once (its default `ignoreBOM: false`).
    this.feed(this.decoder.decode(bytes, STREAMING));
  }

  /** Feeds already-decoded text. A BOM at the very start is dropped. */
  pushText(text: string): void {
    this.feed(text);
  }

  /** End of stream: an event without its closing blank line is discarded, as the spec says. */
  end(): void {
    const rest = this.decoder.decode();
    if (rest.length > 0) this.feed(rest);
    this.closed = true;
  }

  private feed(text: string): void {
    if (this.closed || text.length === 0) return;
    let start = 0;
    if (!this.started) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) start = 1;
    }
    if (this.afterCR) {
      this.afterCR = false;
      if (start < text.length && text.charCodeAt(start) === LF) start++;
    }
    const n = text.length;
    // Line breaks are found with indexOf (native, fast even before the JIT has warmed
    // up, which matters for the first patch after a quiet hour) rather than a char loop.
    let lf = text.indexOf('\n', start);
    let cr = text.indexOf('\r', start);
    while (lf !== -1 || cr !== -1) {
      let end: number;
      let next: number;
      if (cr === -1 || (lf !== -1 && lf < cr)) {
        end = lf;
        next = lf + 1;
      } else {
        end = cr;
        next = cr + 1;
        if (next < n) {
          if (text.charCodeAt(next) === LF) next++;
        } else {
          this.afterCR = true;
        }
      }
      const piece = text.slice(start, end);
      const line = this.line.length > 0 ? this.line + piece : piece;
      this.line = '';
      start = next;
      this.processLine(line);
      if (this.closed) return;
      if (lf !== -1 && lf < start) lf = text.indexOf('\n', start);
      if (cr !== -1 && cr < start) cr = text.indexOf('\r', start);
    }
    if (start < n) {
      this.line += text.slice(start);
      if (this.line.length + this.data.length > this.maxEventLength) this.tooLarge();
    }
  }

  private processLine(line: string): void {
    // A whole line is held to the same limit as an unterminated one, so where the chunks
    // split makes no difference to what is accepted.
    if (line.length + this.data.length > this.maxEventLength) {
      this.tooLarge();
      return;
    }
    if (line.length === 0) {
      this.dispatch();
      return;
    }
    const colon = line.indexOf(':');
    if (colon === 0) {
      this.handlers.onComment?.(line.slice(1));
      return;
    }
    let field: string;
    let value: string;
    if (colon < 0) {
      field = line;
      value = '';
    } else {
      field = line.slice(0, colon);
      value = line.charCodeAt(colon + 1) === 0x20 ? line.slice(colon + 2) : line.slice(colon + 1);
    }
    switch (field) {
      case 'event':
        this.eventType = value;
        break;
      case 'data':
        this.data = this.hasData ? this.data + '\n' + value : value;
        this.hasData = true;
        break;
      case 'id':
        if (value.indexOf('\0') < 0) this.lastEventId = value;
        break;
      case 'retry':
        if (/^[0-9]+$/.test(value)) this.handlers.onRetry?.(Number(value));
        break;
      default:
        // Unknown fields are ignored.
        break;
    }
  }

  private dispatch(): void {
    if (!this.hasData) {
      this.eventType = '';
      return;
    }
    const event: ServerSentEvent = {
      type: this.eventType.length > 0 ? this.eventType : 'message',
      data: this.data,
      lastEventId: this.lastEventId,
    };
    this.data = '';
    this.hasData = false;
    this.eventType = '';
    this.handlers.onEvent(event);
  }

  /** Stops the parser; later input is ignored (a handler found the stream unusable). */
  close(): void {
    this.closed = true;
  }

  private tooLarge(): void {
    this.closed = true;
    this.line = '';
    this.data = '';
    this.hasData = false;
    this.handlers.onTooLarge?.(this.maxEventLength);
  }
}
