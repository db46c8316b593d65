/** Building blocks shared by every part of the contract: keys, versions, timestamps, the error body. */
import { Type, type Static, type TSchema, type TUnsafe } from 'typebox';
import { LIMITS } from '@switchboard/core/validate';

export const KEY_PATTERN = LIMITS.keyPattern.source;

export const Key = Type.String({
  pattern: KEY_PATTERN,
  maxLength: 128,
  description: 'letters, digits, ".", "_" or "-"; starts with a letter or digit',
  examples: ['new-checkout'],
});
export const Attribute = Type.String({ pattern: LIMITS.attributePattern.source, maxLength: 128, examples: ['country'] });

/** Versions are Postgres integers: a larger one would be a database error, not a 400. */
export const Version = Type.Integer({ minimum: 1, maximum: 2_147_483_647, examples: [3] });

/** An instant as the server writes it: ISO-8601 in UTC with milliseconds. */
export const Timestamp = (description?: string) =>
  Type.String({ format: 'date-time', examples: ['2026-03-14T09:26:53.589Z'], ...(description ? { description } : {}) });

/** A schema that answers `$ref: "<id>"`, typed as the schema it names (register that one with `addSchema`). */
export function ref<T extends TSchema>(schema: T): TUnsafe<Static<T>> {
  const id = (schema as { $id?: unknown }).$id;
  if (typeof id !== 'string') throw new TypeError('ref() needs a schema with a $id');
  return Type.Unsafe<Static<T>>(Type.Ref(id));
}

export const ErrorBody = Type.Object(
  {
    error: Type.Object(
      {
        code: Type.String({
          description: 'stable, machine-readable: VALIDATION_FAILED, NOT_FOUND, PRECONDITION_FAILED…',
          examples: ['PRECONDITION_FAILED'],
        }),
        message: Type.String({ examples: ['Version 3 is not the current version (4)'] }),
        field: Type.Optional(Type.String({ description: 'the request field at fault, when there is one', examples: ['version'] })),
        requestId: Type.String({ examples: ['5f0c7a8e-2d4b-4d0e-9a57-0b6f7c1e2a93'] }),
      },
      { additionalProperties: false },
    ),
  },
  {
    $id: 'Error',
    additionalProperties: false,
    description: 'Every error answer: a code, a message, the field at fault and the request id',
  },
);
export type ErrorBody = Static<typeof ErrorBody>;

/** `{ 400: Error, 404: Error, … }` for a route's `response`. */
export function errorResponses(...statuses: number[]): Record<number, TUnsafe<ErrorBody>> {
  return Object.fromEntries(statuses.map((s) => [s, ref(ErrorBody)])) as Record<number, TUnsafe<ErrorBody>>;
}

/** A success answer without a body (204, 304): described as `null` for OpenAPI, sent as nothing. */
export const NoBody = (description: string) => Type.Unsafe<undefined>({ type: 'null', description });

/** Headers used for optimistic concurrency and idempotent creates. */
export const IfMatchHeaders = Type.Object({
  'if-match': Type.Optional(Type.String({ maxLength: 64, description: 'the version edited, as its ETag', examples: ['"4"'] })),
});
export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({ minLength: 1, maxLength: 128, pattern: '^[\\x21-\\x7e]+$', examples: ['create-new-checkout-7f3a'] }),
  ),
});
