/**
 * Route tests fail when an answer isn't what its route declares. Fastify's serializer
 * silently drops properties a response schema doesn't list, so the check runs before it,
 * on what the handler returned: an undeclared field, a missing one or a wrong type fails.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import formats from 'ajv-formats';
import { ErrorBody, NAMED_SCHEMAS } from '@switchboard/api-contract';
import type { FastifyInstance } from 'fastify';
import type { ResponseCheck } from '../plugins/contract-schemas.js';

const addFormats = ((formats as unknown as { default?: typeof formats }).default ?? formats) as unknown as (ajv: Ajv) => Ajv;

export interface ResponseContract {
  check: ResponseCheck;
  /** Every mismatch seen so far, one line each. */
  failures: string[];
}

const installed = new WeakMap<FastifyInstance, ResponseContract>();

export function responseContract(): ResponseContract {
  const ajv = addFormats(new Ajv({ strict: false, allowUnionTypes: true, allErrors: true }));
  for (const schema of NAMED_SCHEMAS) ajv.addSchema(schema);
  // Compiled now, not on a route's first answer in the middle of a timed test.
  for (const schema of NAMED_SCHEMAS) ajv.getSchema(schema.$id);
  const compiled = new WeakMap<object, ValidateFunction>();
  const failures: string[] = [];
  const fail = (message: string): never => {
    failures.push(message);
    throw new Error(`response contract: ${message}`);
  };

  const check: ResponseCheck = (request, reply, payload) => {
    const status = reply.statusCode;
    const route = `${request.method} ${request.routeOptions.url ?? request.url}`;
    const declared = request.routeOptions.schema?.response as Record<string, unknown> | undefined;
    // The API's routes are the contract; /docs and /metrics answer in formats of their own.
    if (declared === undefined && !/^\/(api|health)\//.test(request.routeOptions.url ?? '') && status < 400) return;
    // Errors have one shape whether or not the route lists their status.
    const schema = declared?.[status] ?? declared?.[`${String(status)[0]}xx`] ?? (status >= 400 ? ErrorBody : undefined);
    if (schema === undefined || schema === null || typeof schema !== 'object')
      return fail(`${route} answered ${status} with a body but declares no schema for it`);
    let validate = compiled.get(schema);
    if (!validate) {
      validate = ajv.compile(schema);
      compiled.set(schema, validate);
    }
    const body: unknown = JSON.parse(JSON.stringify(payload) ?? 'null');
    if (!validate(body))
      fail(`${route} answered ${status} with a body its schema refuses: ${ajv.errorsText(validate.errors, { dataVar: 'body' })}`);
  };
  return { check, failures };
}

/** Checks every answer of `app` against its route's declared schema from now on. */
export function checkResponses(app: FastifyInstance): ResponseContract {
  const contract = responseContract();
  app.checkResponses(contract.check);
  installed.set(app, contract);
  return contract;
}

/** The mismatches recorded for `app` since the last call (and forgets them). */
export function takeContractFailures(app: FastifyInstance): string[] {
  const contract = installed.get(app);
  if (!contract) return [];
  return contract.failures.splice(0);
}
