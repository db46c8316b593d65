/**
 * HTTP/1.1 written byte by byte to a real socket, for what `inject()` and fetch can't send:
 * repeated headers, non-ASCII header bytes, oversized or malformed headers, slow senders.
 */
import net from 'node:net';

export interface RawResponse {
  status: number;
  /** Lower-cased names; the last value wins. */
  headers: Record<string, string>;
  body: string;
  json(): unknown;
}

/** Parses the first response in `data` (enough for one request per connection). */
export function parseResponse(data: Buffer): RawResponse {
  const text = data.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  if (end === -1) throw new Error(`no complete response: ${JSON.stringify(text.slice(0, 200))}`);
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine!)?.[1]);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const start = Buffer.byteLength(text.slice(0, end + 4), 'latin1');
  const length = headers['content-length'] === undefined ? data.length - start : Number(headers['content-length']);
  const body = data.subarray(start, start + length).toString('utf8');
  return { status, headers, body, json: () => JSON.parse(body) };
}

/**
 * Sends `request` on a new connection and resolves, once the server has closed it, with
 * the first response. Requests should say `Connection: close` unless the server is
 * expected to close on its own.
 */
export function rawRequest(baseUrl: string, request: string | Buffer): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    // The server may close while a large request is still being written (EPIPE): what it
    // answered before closing is what counts.
    socket.on('error', () => {});
    socket.on('close', () => {
      try {
        resolve(parseResponse(Buffer.concat(chunks)));
      } catch (err) {
        reject(err as Error);
      }
    });
    socket.write(request);
  });
}
