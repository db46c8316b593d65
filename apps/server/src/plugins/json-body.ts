/**
 * The JSON body parser: decodes `Content-Encoding: gzip`/`deflate` (the decoded size counts
 * against the route's body limit, so a small bomb can't inflate past it), parses, and
 * refuses prototype keys saying which and where instead of "not valid JSON".
 */
import { promisify } from 'node:util';
import { gunzip, inflate, type InputType, type ZlibOptions } from 'node:zlib';
import type { FastifyRequest } from 'fastify';
import { AppError, ValidationError } from '../errors.js';

type Decoder = (input: InputType, options: ZlibOptions) => Promise<Buffer>;

const DECODERS: Record<string, { name: string; decode: Decoder }> = {
  gzip: { name: 'gzip', decode: promisify(gunzip) as Decoder },
  'x-gzip': { name: 'gzip', decode: promisify(gunzip) as Decoder },
  deflate: { name: 'deflate', decode: promisify(inflate) as Decoder },
};

async function decode(request: FastifyRequest, body: Buffer): Promise<Buffer> {
  const header = request.headers['content-encoding'];
  const encoding = (Array.isArray(header) ? header.join(', ') : (header ?? '')).trim().toLowerCase();
  if (encoding === '' || encoding === 'identity') return body;
  const decoder = DECODERS[encoding];
  if (!decoder) {
    throw new AppError(
      'UNSUPPORTED_MEDIA_TYPE',
      `Content-Encoding ${encoding.slice(0, 64)} is not supported; send gzip, deflate or no encoding`,
      'content-encoding',
    );
  }
  const limit = request.routeOptions.bodyLimit ?? request.server.initialConfig.bodyLimit ?? 1024 * 1024;
  try {
    return await decoder.decode(body, { maxOutputLength: limit });
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE')
      throw new AppError('PAYLOAD_TOO_LARGE', 'The request body is too large once decoded', 'body');
    throw new ValidationError(`The body is not valid ${decoder.name} data`, 'body');
  }
}

/** `rules[0].x` style path of a key under `path`. */
function child(path: string, key: string | number): string {
  return typeof key === 'number' ? `${path}[${key}]` : path === '' ? key : `${path}.${key}`;
}

/**
 * The first `__proto__` property, or `constructor` holding a `prototype`, anywhere in a
 * parsed body (JSON.parse makes them plain own properties; merging code would not).
 */
function findPrototypeKey(value: unknown): { key: string; path: string } | undefined {
  const stack: [unknown, string][] = [[value, '']];
  while (stack.length > 0) {
    const [node, path] = stack.pop()!;
    if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i--) stack.push([node[i], child(path, i)]);
    } else if (node !== null && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      if (Object.hasOwn(record, '__proto__')) return { key: '__proto__', path };
      const ctor = Object.hasOwn(record, 'constructor') ? record.constructor : undefined;
      if (ctor !== null && typeof ctor === 'object' && Object.hasOwn(ctor, 'prototype')) return { key: 'constructor.prototype', path };
      for (const key of Object.keys(record).reverse()) stack.push([record[key], child(path, key)]);
    }
  }
  return undefined;
}

export async function parseJsonBody(request: FastifyRequest, raw: Buffer): Promise<unknown> {
  const text = (await decode(request, raw)).toString('utf8');
  if (text === '') throw new ValidationError('The JSON body is empty', 'body');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ValidationError(`The body is not valid JSON: ${(err as Error).message}`, 'body');
  }
  // Escapes (\u005f) can spell either key, so any backslash-u sends the body to the scan.
  if (text.includes('__proto__') || text.includes('constructor') || text.includes('\\u')) {
    const found = findPrototypeKey(value);
    if (found) {
      const where = found.path === '' ? '' : ` at ${found.path}`;
      throw new ValidationError(`The body has a property named ${found.key}${where}, which is not allowed`, 'body');
    }
  }
  return value;
}
