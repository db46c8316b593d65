/**
 * Schema validation at the edge. Bodies are validated strictly: no type coercion (the
 * string "false" never becomes `true`), unknown properties rejected rather than
 * stripped. Query strings, params and headers are text on the wire, so their numbers
 * and booleans are coerced.
 */
import { Ajv, type ErrorObject, type Format, type Options } from 'ajv';
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

/** Date-times Postgres, JavaScript and ISO-8601's four-digit years all agree on (UTC). */
export const DATE_TIME_RANGE = { min: Date.UTC(1970, 0, 1), max: Date.UTC(10_000, 0, 1) - 1 } as const;
export const DATE_TIME_MESSAGE = 'must be an ISO-8601 date-time between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z';

const NUL = '\u0000';

export interface ValidatorOptions {
  /**
   * Whether a route's body is stored (admin writes). Postgres text and jsonb can't hold
   * a NUL, so such bodies are refused when any string or property name carries one.
   */
  storesBody?: (url: string) => boolean;
}

function withAjv(options: Options): Ajv {
  const ajv = addFormats(new Ajv(options));
  // Every date-time the API takes becomes a timestamp query parameter: years 0 or 10000
  // (reachable through an offset) are out of what the database or Date round-trips.
  const rfc3339 = ajv.formats['date-time'] as Exclude<Format, string | RegExp> & { validate: (s: string) => boolean };
  ajv.addFormat('date-time', {
    type: 'string',
    validate: (value: string) => {
      if (!rfc3339.validate(value)) return false;
      const ms = Date.parse(value);
      return ms >= DATE_TIME_RANGE.min && ms <= DATE_TIME_RANGE.max;
    },
  });
  return ajv;
}

/** `/a/0` style path of a key under `pointer`. */
function pointerTo(pointer: string, key: string | number): string {
  return `${pointer}/${String(key).replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

/**
 * The first string or property name holding a NUL, as an ajv-shaped error naming where.
 * Iterative: a JSON variant may nest as deep as the body allows.
 */
export function findNul(value: unknown): ErrorObject | undefined {
  const stack: [unknown, string][] = [[value, '']];
  while (stack.length > 0) {
    const [node, pointer] = stack.pop()!;
    if (typeof node === 'string') {
      if (node.includes(NUL)) return nulError(pointer, 'must not contain the NUL character (\\u0000)');
    } else if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i--) stack.push([node[i], pointerTo(pointer, i)]);
    } else if (node !== null && typeof node === 'object') {
      const keys = Object.keys(node);
      if (keys.some((k) => k.includes(NUL))) return nulError(pointer, 'has a property name containing the NUL character (\\u0000)');
      for (let i = keys.length - 1; i >= 0; i--) stack.push([(node as Record<string, unknown>)[keys[i]!], pointerTo(pointer, keys[i]!)]);
    }
  }
  return undefined;
}

function nulError(instancePath: string, message: string): ErrorObject {
  return { instancePath, schemaPath: '#', keyword: 'nul', params: {}, message };
}

type Validate = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };

export function createValidatorCompiler(options: ValidatorOptions = {}): FastifySchemaCompiler<unknown> {
  const strict = withAjv({ ...common, coerceTypes: false });
  const coercing = withAjv({ ...common, coerceTypes: 'array' });
  return ({ schema, httpPart, url }) => {
    const validate = (httpPart === 'body' ? strict : coercing).compile(schema as object) as Validate;
    if (httpPart !== 'body' || !options.storesBody?.(url)) return validate;
    // Schema errors first (they bound sizes and name unknown fields), then the NUL scan.
    const checked: Validate = (data) => {
      if (!validate(data)) {
        checked.errors = validate.errors ?? null;
        return false;
      }
      const nul = findNul(data);
      checked.errors = nul ? [nul] : null;
      return nul === undefined;
    };
    return checked;
  };
}
