/**
 * A push parser for `text/event-stream` (WHATWG rules): lines end in CRLF, LF or CR,
 * `:` starts a comment, `event`/`data`/`retry` fields, dispatch on a blank line.
 * Chunks may split anywhere, including between the CR and LF of one line break. The
 * caller decodes bytes with a streaming `TextDecoder`, which also drops a leading BOM.
 * `id` is not tracked: the server starts every connection with a full `put`.
 */
export type SseFeed = (text: string) => void;

export function createSseParser(onEvent: (type: string, data: string) => void, onRetry: (ms: number) => void): SseFeed {
  let rest = '';
  let type = '';
  let data: string | undefined;
  // The previous chunk ended in CR: a leading LF is the second half of that line break.
  let cr = false;
  return (text) => {
    if (!text) return;
    if (cr && text[0] == '\n') text = text.slice(1);
    cr = text.endsWith('\r');
    // Only the new text is split (`rest` holds no line break): re-splitting all that is
    // buffered on every chunk made a large event arriving in small chunks quadratic.
    const lines = text.split(/\r\n?|\n/);
    lines[0] = rest + lines[0];
    rest = lines.pop()!;
    for (const line of lines) {
      if (line) {
        // `field: value` (one space after the colon dropped), or a field alone; a
        // comment (heartbeat) has an empty field name.
        const [, field, value] = /^([^:]*):? ?([^]*)/.exec(line)!;
        if (field == 'event') type = value!;
        else if (field == 'data') data = data == null ? value : data + '\n' + value;
        else if (field == 'retry' && /^\d+$/.test(value!)) onRetry(+value!);
      } else {
        if (data != null) onEvent(type || 'message', data);
        data = undefined;
        type = '';
      }
    }
  };
}
