// Shape check for the case files. It validates structure and internal references only; it
// never hashes, matches or evaluates anything — that is each evaluator's job.

import { readCaseFile, readSpecVersion } from './case-file.mjs';

const OPERATORS = new Set([
  'in',
  'notIn',
  'eq',
  'neq',
  'contains',
  'startsWith',
  'endsWith',
  'matches',
  'lt',
  'lte',
  'gt',
  'gte',
  'before',
  'after',
  'semverEq',
  'semverLt',
  'semverGt',
  'exists',
  'inSegment',
]);
const FLAG_TYPES = new Set(['boolean', 'string', 'number', 'json']);
const REASONS = new Set(['STATIC', 'DEFAULT', 'TARGETING_MATCH', 'SPLIT', 'DISABLED', 'PREREQUISITE_FAILED', 'ERROR']);
const ERROR_CODES = new Set(['FLAG_NOT_FOUND', 'TYPE_MISMATCH', 'PARSE_ERROR', 'GENERAL']);
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;

const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
const isString = (v) => typeof v === 'string';
const isInteger = (v) => Number.isInteger(v);
const isScalar = (v) => typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));

function isJson(v) {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  if (Array.isArray(v)) return v.every(isJson);
  if (isObject(v)) return Object.values(v).every(isJson);
  return false;
}

function deepEqual(a, b) {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

/** Collects problems for one case; `at` prefixes each message with the case's location. */
function createReport(at) {
  const problems = [];
  return {
    problems,
    need(ok, message) {
      if (!ok) problems.push(`${at}: ${message}`);
      return ok;
    },
    onlyKeys(object, allowed, where) {
      for (const key of Object.keys(object)) {
        if (!allowed.includes(key)) problems.push(`${at}: ${where} has unexpected field "${key}"`);
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Shared pieces of the flag document

function checkCondition(r, c, where) {
  if (!r.need(isObject(c), `${where} must be an object`)) return;
  r.onlyKeys(c, ['attribute', 'operator', 'values', 'negate', 'caseInsensitive'], where);
  r.need(isString(c.attribute), `${where}.attribute must be a string`);
  r.need(OPERATORS.has(c.operator), `${where}.operator "${c.operator}" is not an operator`);
  if (r.need(Array.isArray(c.values), `${where}.values must be an array`)) {
    r.need(c.values.every(isScalar), `${where}.values must hold strings, numbers or booleans`);
    if (c.operator === 'inSegment') r.need(c.values.every(isString), `${where}.values must be segment keys`);
  }
  for (const flagName of ['negate', 'caseInsensitive']) {
    if (c[flagName] !== undefined) r.need(typeof c[flagName] === 'boolean', `${where}.${flagName} must be a boolean`);
  }
}

function checkSegments(r, segments, where) {
  if (!r.need(isObject(segments), `${where} must be an object`)) return;
  for (const [key, s] of Object.entries(segments)) {
    const at = `${where}.${key}`;
    if (!r.need(isObject(s), `${at} must be an object`)) continue;
    r.onlyKeys(s, ['key', 'included', 'excluded', 'conditions'], at);
    r.need(s.key === key, `${at}.key must equal its map key`);
    for (const list of ['included', 'excluded']) {
      if (s[list] !== undefined) r.need(Array.isArray(s[list]) && s[list].every(isString), `${at}.${list} must be an array of strings`);
    }
    if (r.need(Array.isArray(s.conditions), `${at}.conditions must be an array`)) {
      s.conditions.forEach((c, i) => checkCondition(r, c, `${at}.conditions[${i}]`));
    }
  }
}

/** Checks a rollout's entries; returns the variant names it uses. */
function checkWeights(r, weights, where, { strict }) {
  if (!r.need(Array.isArray(weights), `${where} must be an array`)) return [];
  const used = [];
  weights.forEach((w, i) => {
    const at = `${where}[${i}]`;
    if (!r.need(isObject(w), `${at} must be an object`)) return;
    r.onlyKeys(w, ['variant', 'weight'], at);
    r.need(isString(w.variant), `${at}.variant must be a string`);
    if (strict) r.need(isInteger(w.weight) && w.weight >= 0, `${at}.weight must be a non-negative integer`);
    else r.need(typeof w.weight === 'number', `${at}.weight must be a number`);
    used.push(w.variant);
  });
  if (strict) {
    r.need(weights.length > 0 && weights.reduce((sum, w) => sum + (w.weight ?? 0), 0) > 0, `${where} must have a positive total weight`);
    r.need(new Set(used).size === used.length, `${where} names a variant twice`);
  }
  return used;
}

function checkServe(r, serve, where, strict) {
  if (!r.need(isObject(serve), `${where} must be an object`)) return [];
  if ('rollout' in serve) {
    r.onlyKeys(serve, ['rollout', 'bucketBy'], where);
    if (serve.bucketBy !== undefined) r.need(isString(serve.bucketBy), `${where}.bucketBy must be a string`);
    return checkWeights(r, serve.rollout, `${where}.rollout`, { strict });
  }
  r.onlyKeys(serve, ['variant'], where);
  r.need(isString(serve.variant), `${where}.variant must be a string`);
  return [serve.variant];
}

function checkFlag(r, key, f, where, malformed) {
  if (!r.need(isObject(f), `${where} must be an object`)) return;
  r.onlyKeys(
    f,
    ['key', 'version', 'type', 'enabled', 'variants', 'offVariant', 'salt', 'prerequisites', 'rules', 'fallthrough', 'clientSide'],
    where,
  );
  r.need(f.key === key, `${where}.key must equal its map key`);
  r.need(isInteger(f.version), `${where}.version must be an integer`);
  r.need(FLAG_TYPES.has(f.type), `${where}.type must be one of ${[...FLAG_TYPES].join(', ')}`);
  r.need(typeof f.enabled === 'boolean', `${where}.enabled must be a boolean`);
  r.need(isString(f.offVariant), `${where}.offVariant must be a string`);
  if (f.salt !== undefined) r.need(isString(f.salt), `${where}.salt must be a string`);
  if (f.clientSide !== undefined) r.need(typeof f.clientSide === 'boolean', `${where}.clientSide must be a boolean`);
  if (!r.need(isObject(f.variants) && Object.values(f.variants).every(isJson), `${where}.variants must map names to JSON values`)) return;

  const referenced = [f.offVariant];
  if (f.prerequisites !== undefined && r.need(Array.isArray(f.prerequisites), `${where}.prerequisites must be an array`)) {
    f.prerequisites.forEach((p, i) => {
      const at = `${where}.prerequisites[${i}]`;
      if (!r.need(isObject(p), `${at} must be an object`)) return;
      r.onlyKeys(p, ['flag', 'variant'], at);
      r.need(isString(p.flag) && isString(p.variant), `${at} needs string flag and variant`);
    });
  }
  if (f.rules !== undefined && r.need(Array.isArray(f.rules), `${where}.rules must be an array`)) {
    const ids = new Set();
    f.rules.forEach((rule, i) => {
      const at = `${where}.rules[${i}]`;
      if (!r.need(isObject(rule), `${at} must be an object`)) return;
      r.onlyKeys(rule, ['id', 'conditions', 'serve'], at);
      r.need(isString(rule.id) && !ids.has(rule.id), `${at}.id must be a unique string`);
      ids.add(rule.id);
      if (r.need(Array.isArray(rule.conditions), `${at}.conditions must be an array`)) {
        rule.conditions.forEach((c, j) => checkCondition(r, c, `${at}.conditions[${j}]`));
      }
      referenced.push(...checkServe(r, rule.serve, `${at}.serve`, !malformed));
    });
  }
  referenced.push(...checkServe(r, f.fallthrough, `${where}.fallthrough`, !malformed));

  const dangling = referenced.filter((v) => !Object.hasOwn(f.variants, v));
  if (!malformed) r.need(dangling.length === 0, `${where} references missing variants: ${dangling.join(', ')}`);
}

function checkSnapshot(r, s, malformedFlags) {
  if (!r.need(isObject(s), 'snapshot must be an object')) return;
  r.onlyKeys(s, ['schemaVersion', 'environment', 'revision', 'flags', 'segments'], 'snapshot');
  r.need(s.schemaVersion === 1, 'snapshot.schemaVersion must be 1');
  r.need(isString(s.environment), 'snapshot.environment must be a string');
  r.need(isInteger(s.revision), 'snapshot.revision must be an integer');
  if (r.need(isObject(s.flags), 'snapshot.flags must be an object')) {
    for (const [key, f] of Object.entries(s.flags)) checkFlag(r, key, f, `snapshot.flags.${key}`, malformedFlags.includes(key));
  }
  if (s.segments !== undefined) checkSegments(r, s.segments, 'snapshot.segments');
}

// ---------------------------------------------------------------------------------------------
// Files

function checkHeader(file, doc, specVersion, problems) {
  if (doc.specVersion !== specVersion) problems.push(`${file}: specVersion ${doc.specVersion} differs from package version ${specVersion}`);
  if (!SEMVER.test(String(doc.specVersion))) problems.push(`${file}: specVersion must be MAJOR.MINOR.PATCH`);
  if (!isString(doc.description) || doc.description.length === 0) problems.push(`${file}: description must be a non-empty string`);
  if (!Array.isArray(doc.cases) || doc.cases.length === 0) problems.push(`${file}: cases must be a non-empty array`);
}

function checkBucketingCase(c, i) {
  const r = createReport(`bucketing.json cases[${i}]`);
  if (!r.need(isObject(c), 'case must be an object')) return r.problems;
  r.onlyKeys(c, ['salt', 'value', 'weights', 'hash', 'bucket', 'variant', 'source', 'note'], 'case');
  r.need(isString(c.salt), 'salt must be a string');
  r.need(isString(c.value) || (typeof c.value === 'number' && Number.isFinite(c.value)), 'value must be a string or a number');
  const used = checkWeights(r, c.weights, 'weights', { strict: true });
  const total = Array.isArray(c.weights) ? c.weights.reduce((sum, w) => sum + (w?.weight ?? 0), 0) : 0;
  r.need(total <= 2 ** 31 - 1, 'total weight must not exceed 2^31 - 1');
  r.need(isInteger(c.hash) && c.hash >= 0 && c.hash < 2 ** 32, 'hash must be an unsigned 32-bit integer');
  r.need(isInteger(c.bucket) && c.bucket >= 0 && c.bucket < total, 'bucket must be an integer in [0, total weight)');
  r.need(used.includes(c.variant), `variant "${c.variant}" is not one of the weights`);
  if (c.source !== undefined) r.need(c.source === 'flagd-testbed', 'source must be "flagd-testbed"');
  if (c.note !== undefined) r.need(isString(c.note), 'note must be a string');
  return r.problems;
}

function checkOperatorCase(c, i) {
  const r = createReport(`operators.json cases[${i}] ${c?.name ?? ''}`);
  if (!r.need(isObject(c), 'case must be an object')) return r.problems;
  r.onlyKeys(c, ['name', 'condition', 'segments', 'context', 'expected'], 'case');
  r.need(isString(c.name) && c.name.length > 0, 'name must be a non-empty string');
  checkCondition(r, c.condition, 'condition');
  if (c.segments !== undefined) checkSegments(r, c.segments, 'segments');
  r.need(isObject(c.context) && isJson(c.context), 'context must be a JSON object');
  r.need(typeof c.expected === 'boolean', 'expected must be a boolean');
  return r.problems;
}

function checkEvaluationCase(c, i) {
  const r = createReport(`evaluation.json cases[${i}] ${c?.name ?? ''}`);
  if (!r.need(isObject(c), 'case must be an object')) return r.problems;
  r.onlyKeys(c, ['name', 'snapshot', 'flag', 'context', 'default', 'expected', 'malformedFlags'], 'case');
  r.need(isString(c.name) && c.name.length > 0, 'name must be a non-empty string');
  const malformedFlags = c.malformedFlags ?? [];
  if (c.malformedFlags !== undefined) {
    r.need(
      Array.isArray(c.malformedFlags) && c.malformedFlags.every((k) => isString(k) && Object.hasOwn(c.snapshot?.flags ?? {}, k)),
      'malformedFlags must name flags of the snapshot',
    );
  }
  checkSnapshot(r, c.snapshot, malformedFlags);
  r.need(isString(c.flag), 'flag must be a string');
  r.need(isObject(c.context) && isJson(c.context), 'context must be a JSON object');
  r.need('default' in c && isJson(c.default), 'default must be a JSON value');

  const e = c.expected;
  if (!r.need(isObject(e), 'expected must be an object')) return r.problems;
  r.onlyKeys(e, ['value', 'variant', 'reason', 'errorCode', 'ruleId'], 'expected');
  r.need('value' in e && isJson(e.value), 'expected.value must be a JSON value');
  r.need(REASONS.has(e.reason), `expected.reason "${e.reason}" is not a reason`);
  const f = c.snapshot?.flags?.[c.flag];
  if (e.reason === 'ERROR') {
    r.need(ERROR_CODES.has(e.errorCode), 'an ERROR needs an errorCode');
    r.need(e.variant === undefined && e.ruleId === undefined, 'an ERROR has no variant and no ruleId');
    r.need(deepEqual(e.value, c.default), 'an ERROR returns the default');
    r.need((e.errorCode === 'FLAG_NOT_FOUND') === (f === undefined), 'FLAG_NOT_FOUND exactly when the flag is absent');
    return r.problems;
  }
  r.need(e.errorCode === undefined, 'only an ERROR has an errorCode');
  if (!r.need(f !== undefined, `flag "${c.flag}" is not in the snapshot`)) return r.problems;
  if (
    r.need(
      isString(e.variant) && Object.hasOwn(f.variants ?? {}, e.variant),
      `expected.variant "${e.variant}" is not a variant of the flag`,
    )
  ) {
    r.need(deepEqual(e.value, f.variants[e.variant]), 'expected.value must be the value of expected.variant');
  }
  const ruleIds = (f.rules ?? []).map((rule) => rule.id);
  if (e.reason === 'TARGETING_MATCH') r.need(ruleIds.includes(e.ruleId), "TARGETING_MATCH needs the id of one of the flag's rules");
  else if (e.reason === 'SPLIT')
    r.need(e.ruleId === undefined || ruleIds.includes(e.ruleId), "a SPLIT ruleId must be one of the flag's rules");
  else r.need(e.ruleId === undefined, `${e.reason} has no ruleId`);
  if (['DISABLED', 'PREREQUISITE_FAILED'].includes(e.reason)) r.need(e.variant === f.offVariant, `${e.reason} serves the off variant`);
  if (e.reason === 'DISABLED') r.need(f.enabled === false, 'DISABLED needs a disabled flag');
  return r.problems;
}

// ---------------------------------------------------------------------------------------------

const specVersion = readSpecVersion();
const FILES = [
  ['bucketing.json', checkBucketingCase],
  ['operators.json', checkOperatorCase],
  ['evaluation.json', checkEvaluationCase],
];

let passed = 0;
let failed = 0;
for (const [file, checkCase] of FILES) {
  let doc;
  try {
    doc = readCaseFile(file);
  } catch (err) {
    console.error(`${file}: cannot be read as JSON (${err.message})`);
    failed += 1;
    continue;
  }
  const header = [];
  checkHeader(file, doc, specVersion, header);
  header.forEach((p) => console.error(p));
  failed += header.length;
  const seenNames = new Set();
  (Array.isArray(doc.cases) ? doc.cases : []).forEach((c, i) => {
    const problems = checkCase(c, i);
    if (c?.name !== undefined) {
      if (seenNames.has(c.name)) problems.push(`${file} cases[${i}]: duplicate name "${c.name}"`);
      seenNames.add(c.name);
    }
    problems.forEach((p) => console.error(p));
    if (problems.length === 0) passed += 1;
    else failed += 1;
  });
  console.log(`${file}: ${doc.cases?.length ?? 0} cases, spec ${doc.specVersion}`);
}
console.log(`check: ${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
