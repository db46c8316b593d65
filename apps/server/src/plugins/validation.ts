/**
 * Schema validation at the edge. Bodies are validated strictly: no type coercion (the
 * string "false" never becomes `true`), unknown properties rejected rather than
 * stripped. Query strings, params and headers are text on the wire, so their numbers
 * and booleans are coerced.
 */
import { Ajv, type Options } from 'ajv';
import formats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

const addFormats = ((formats as unknown as { default?: typeof formats }).default ?? formats) as unknown as (ajv: Ajv) => Ajv;

const common: Options = {
  useDefaults: true,
  removeAdditional: false,
  allErrors: false,
  allowUnionTypes: true,
  multipleOfPrecision: 9,
  // TypeBox emits a few annotation keywords (e.g. `description`, `default` on refs) ajv's strict mode dislikes.
  strict: false,
};

export function createValidatorCompiler(): FastifySchemaCompiler<unknown> {
  const strict = addFormats(new Ajv({ ...common, coerceTypes: false }));
  const coercing = addFormats(new Ajv({ ...common, coerceTypes: 'array' }));
  return ({ schema, httpPart }) => (httpPart === 'body' ? strict : coercing).compile(schema as object);
}
