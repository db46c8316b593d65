/**
 * Private targeting, client half. For each listed attribute present in the context,
 * `context['#' + attribute]` becomes the lowercase hex SHA-256 of `salt + String(value)`
 * (each element, for an array), which is what the server wrote into the conditions on
 * that attribute. Uses WebCrypto, which browsers offer only in secure contexts (https,
 * localhost); without it the hashed attributes are absent and their conditions don't match.
 */
import type { EvaluationContext } from '@switchboard/core';
import type { PrivateAttributes } from './snapshot.js';

const sha256 = async (text: string): Promise<string> =>
  Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))), (b) =>
    b.toString(16).padStart(2, '0'),
  ).join('');

/** The context with the hashed attributes added; the original is not changed. */
export async function hashContext(context: EvaluationContext, p: PrivateAttributes): Promise<EvaluationContext> {
  if (typeof p.salt != 'string' || !Array.isArray(p.attributes)) throw new TypeError('malformed privateAttributes');
  const out: EvaluationContext = { ...context };
  const hash = (v: unknown): Promise<string> => sha256(p.salt + String(v));
  await Promise.all(
    p.attributes.map(async (a) => {
      const v = context[a];
      if (v != null) out['#' + a] = await (Array.isArray(v) ? Promise.all(v.map(hash)) : hash(v));
    }),
  );
  return out;
}
