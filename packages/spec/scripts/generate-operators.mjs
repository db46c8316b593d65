// Generates cases/operators.json: one condition, a context, and whether the condition holds.
// The cases are hand-written below. Most are declared once and emitted twice: as written and
// with `negate: true`. A definite result flips under negation; an invalid one stays false.

import { readSpecVersion, writeCaseFile } from './case-file.mjs';

const cases = [];
const names = new Set();

/** Builds a condition with its keys in the documented order. */
function cond(attribute, operator, values, options = {}) {
  const condition = { attribute, operator, values };
  if (options.negate !== undefined) condition.negate = options.negate;
  if (options.caseInsensitive !== undefined) condition.caseInsensitive = options.caseInsensitive;
  return condition;
}

function add(name, condition, context, expected, segments) {
  if (names.has(name)) throw new Error(`duplicate case name: ${name}`);
  names.add(name);
  const entry = { name, condition };
  if (segments) entry.segments = segments;
  entry.context = context;
  entry.expected = expected;
  cases.push(entry);
}

const negated = (condition) =>
  cond(condition.attribute, condition.operator, condition.values, {
    negate: true,
    caseInsensitive: condition.caseInsensitive,
  });

/** A condition with a definite outcome: emitted as written and negated (outcome flipped). */
function definite(name, condition, context, matches, segments) {
  add(name, condition, context, matches, segments);
  add(`${name} (negated)`, negated(condition), context, !matches, segments);
}

/** A condition made invalid by a bad value: false as written and false negated. */
function invalid(name, condition, context, segments) {
  add(`${name} (invalid)`, condition, context, false, segments);
  add(`${name} (invalid, negated)`, negated(condition), context, false, segments);
}

const CI = { caseInsensitive: true };

// ---------------------------------------------------------------------------------------------
// in / eq

definite('in: string equal to one of the values', cond('country', 'in', ['DE', 'FR']), { country: 'FR' }, true);
definite('in: string equal to none of the values', cond('country', 'in', ['DE', 'FR']), { country: 'ES' }, false);
definite('in: strings are case-sensitive by default', cond('country', 'in', ['DE']), { country: 'de' }, false);
definite('in: caseInsensitive matches another case', cond('country', 'in', ['DE'], CI), { country: 'de' }, true);
definite('in: caseInsensitive still needs equal text', cond('country', 'in', ['DE'], CI), { country: 'dex' }, false);
definite('in: caseInsensitive with non-ASCII letters', cond('city', 'in', ['münchen'], CI), { city: 'MÜNCHEN' }, true);
definite('in: no Unicode normalization (precomposed vs decomposed é)', cond('name', 'in', ['café']), { name: 'cafe\u0301' }, false);
definite('in: empty string equals empty string', cond('nickname', 'in', ['']), { nickname: '' }, true);
definite('in: number equal', cond('plan', 'in', [1, 2, 3]), { plan: 3 }, true);
definite('in: number not equal', cond('plan', 'in', [1, 2, 3]), { plan: 4 }, false);
definite('in: fractional number equal', cond('ratio', 'in', [1.5]), { ratio: 1.5 }, true);
definite('in: numeric string does not equal number', cond('plan', 'in', [1]), { plan: '1' }, false);
definite('in: number does not equal numeric string', cond('plan', 'in', ['1']), { plan: 1 }, false);
definite('in: boolean equal', cond('beta', 'in', [true]), { beta: true }, true);
definite('in: boolean not equal', cond('beta', 'in', [true]), { beta: false }, false);
definite('in: string "true" does not equal boolean true', cond('beta', 'in', [true]), { beta: 'true' }, false);
definite('in: boolean true does not equal string "true"', cond('beta', 'in', ['true']), { beta: true }, false);
definite('in: 0 does not equal false', cond('beta', 'in', [false]), { beta: 0 }, false);
definite('in: caseInsensitive does not affect numbers', cond('plan', 'in', [1], CI), { plan: 1 }, true);
definite('in: values of mixed types, number matches', cond('plan', 'in', ['pro', 2, true]), { plan: 2 }, true);
definite('in: array attribute, one element matches', cond('tags', 'in', ['staff']), { tags: ['beta', 'staff'] }, true);
definite('in: array attribute, no element matches', cond('tags', 'in', ['staff']), { tags: ['beta', 'alpha'] }, false);
definite('in: array attribute, caseInsensitive element', cond('tags', 'in', ['beta'], CI), { tags: ['BETA'] }, true);
definite('in: empty array attribute matches nothing', cond('tags', 'in', ['staff']), { tags: [] }, false);
definite('in: missing attribute is no match', cond('country', 'in', ['DE']), { userId: 'u-1' }, false);
definite('in: null attribute is treated as missing', cond('country', 'in', ['DE']), { country: null }, false);
definite('in: empty values list matches nothing', cond('country', 'in', []), { country: 'DE' }, false);
definite('in: attribute names are top-level keys, not paths', cond('user.country', 'in', ['DE']), { user: { country: 'DE' } }, false);
definite('in: a top-level key containing a dot', cond('user.country', 'in', ['DE']), { 'user.country': 'DE' }, true);
definite('in: userId is an ordinary attribute', cond('userId', 'in', ['u-42']), { userId: 'u-42' }, true);
invalid('in: object attribute', cond('country', 'in', ['DE']), { country: { code: 'DE' } });

definite('eq: string equal', cond('plan', 'eq', ['pro']), { plan: 'pro' }, true);
definite('eq: string not equal', cond('plan', 'eq', ['pro']), { plan: 'free' }, false);
definite('eq: any of several values', cond('plan', 'eq', ['pro', 'team']), { plan: 'team' }, true);
definite('eq: caseInsensitive', cond('plan', 'eq', ['PRO'], CI), { plan: 'Pro' }, true);
definite('eq: number', cond('seats', 'eq', [10]), { seats: 10 }, true);
definite('eq: no coercion between number and string', cond('seats', 'eq', ['10']), { seats: 10 }, false);
definite('eq: boolean', cond('verified', 'eq', [false]), { verified: false }, true);
definite('eq: missing attribute', cond('plan', 'eq', ['pro']), {}, false);
definite('eq: array attribute', cond('plan', 'eq', ['pro']), { plan: ['free', 'pro'] }, true);
invalid('eq: object attribute', cond('plan', 'eq', ['pro']), { plan: { name: 'pro' } });

// ---------------------------------------------------------------------------------------------
// notIn / neq: the negation of in / eq (a missing attribute is therefore notIn)

definite('notIn: string in none of the values', cond('country', 'notIn', ['DE', 'FR']), { country: 'ES' }, true);
definite('notIn: string is one of the values', cond('country', 'notIn', ['DE', 'FR']), { country: 'DE' }, false);
definite('notIn: missing attribute', cond('country', 'notIn', ['DE']), {}, true);
definite('notIn: null attribute', cond('country', 'notIn', ['DE']), { country: null }, true);
definite('notIn: case-sensitive by default', cond('country', 'notIn', ['DE']), { country: 'de' }, true);
definite('notIn: caseInsensitive', cond('country', 'notIn', ['DE'], CI), { country: 'de' }, false);
definite('notIn: numeric string is not the number', cond('plan', 'notIn', [1]), { plan: '1' }, true);
definite('notIn: array attribute with a listed element', cond('tags', 'notIn', ['staff']), { tags: ['beta', 'staff'] }, false);
definite('notIn: array attribute without listed elements', cond('tags', 'notIn', ['staff']), { tags: ['beta'] }, true);
definite('notIn: empty values list', cond('country', 'notIn', []), { country: 'DE' }, true);
invalid('notIn: object attribute', cond('country', 'notIn', ['DE']), { country: { code: 'DE' } });

definite('neq: different string', cond('plan', 'neq', ['free']), { plan: 'pro' }, true);
definite('neq: same string', cond('plan', 'neq', ['free']), { plan: 'free' }, false);
definite('neq: caseInsensitive same text', cond('plan', 'neq', ['FREE'], CI), { plan: 'free' }, false);
definite('neq: number vs numeric string', cond('seats', 'neq', ['10']), { seats: 10 }, true);
definite('neq: missing attribute', cond('plan', 'neq', ['free']), {}, true);
definite('neq: boolean', cond('verified', 'neq', [true]), { verified: true }, false);
invalid('neq: object attribute', cond('plan', 'neq', ['free']), { plan: {} });

// ---------------------------------------------------------------------------------------------
// contains / startsWith / endsWith: string attribute, string values

definite('contains: substring present', cond('email', 'contains', ['@acme.']), { email: 'alice@acme.com' }, true);
definite('contains: substring absent', cond('email', 'contains', ['@acme.']), { email: 'alice@globex.com' }, false);
definite('contains: any of several values', cond('email', 'contains', ['@globex.', '@acme.']), { email: 'alice@acme.com' }, true);
definite('contains: case-sensitive by default', cond('email', 'contains', ['@acme.']), { email: 'ALICE@ACME.COM' }, false);
definite('contains: caseInsensitive', cond('email', 'contains', ['@acme.'], CI), { email: 'ALICE@ACME.COM' }, true);
definite('contains: empty value is contained in any string', cond('email', 'contains', ['']), { email: 'alice@acme.com' }, true);
definite('contains: non-ASCII substring', cond('name', 'contains', ['ünch']), { name: 'München' }, true);
definite('contains: emoji substring', cond('bio', 'contains', ['🚀']), { bio: 'ship it 🚀 now' }, true);
definite(
  'contains: array attribute, one element',
  cond('emails', 'contains', ['@acme.']),
  { emails: ['a@globex.com', 'b@acme.com'] },
  true,
);
definite('contains: missing attribute', cond('email', 'contains', ['@acme.']), {}, false);
definite('contains: bad value beside a matching value', cond('email', 'contains', [5, '@acme.']), { email: 'alice@acme.com' }, true);
definite('contains: number element beside a matching string element', cond('ids', 'contains', ['x']), { ids: [123, 'box'] }, true);
invalid('contains: number attribute', cond('zip', 'contains', ['23']), { zip: 12345 });
invalid('contains: boolean attribute', cond('flag', 'contains', ['t']), { flag: true });
invalid('contains: number value', cond('zip', 'contains', [23]), { zip: '12345' });
invalid('contains: bad value beside a non-matching value', cond('email', 'contains', [5, '@globex.']), { email: 'alice@acme.com' });
invalid('contains: array attribute of numbers only', cond('ids', 'contains', ['1']), { ids: [123] });

definite('startsWith: prefix present', cond('path', 'startsWith', ['/admin']), { path: '/admin/users' }, true);
definite('startsWith: prefix absent', cond('path', 'startsWith', ['/admin']), { path: '/app/admin' }, false);
definite('startsWith: case-sensitive by default', cond('path', 'startsWith', ['/admin']), { path: '/ADMIN' }, false);
definite('startsWith: caseInsensitive', cond('path', 'startsWith', ['/admin'], CI), { path: '/ADMIN/x' }, true);
definite('startsWith: caseInsensitive non-ASCII', cond('name', 'startsWith', ['über'], CI), { name: 'Übermensch' }, true);
definite('startsWith: emoji prefix', cond('title', 'startsWith', ['🚀']), { title: '🚀 launch' }, true);
definite('startsWith: value longer than attribute', cond('path', 'startsWith', ['/admin/users']), { path: '/admin' }, false);
definite('startsWith: array attribute', cond('paths', 'startsWith', ['/admin']), { paths: ['/app', '/admin/x'] }, true);
definite('startsWith: missing attribute', cond('path', 'startsWith', ['/admin']), {}, false);
invalid('startsWith: number attribute', cond('code', 'startsWith', ['4']), { code: 404 });
invalid('startsWith: boolean value', cond('path', 'startsWith', [true]), { path: 'true' });

definite('endsWith: suffix present', cond('email', 'endsWith', ['@acme.com']), { email: 'bob@acme.com' }, true);
definite('endsWith: suffix absent', cond('email', 'endsWith', ['@acme.com']), { email: 'bob@acme.com.evil.io' }, false);
definite('endsWith: case-sensitive by default', cond('email', 'endsWith', ['@acme.com']), { email: 'bob@ACME.COM' }, false);
definite('endsWith: caseInsensitive', cond('email', 'endsWith', ['@acme.com'], CI), { email: 'bob@ACME.COM' }, true);
definite('endsWith: any of several values', cond('email', 'endsWith', ['@acme.com', '@acme.io']), { email: 'bob@acme.io' }, true);
definite('endsWith: CJK suffix', cond('name', 'endsWith', ['用户']), { name: '测试用户' }, true);
definite('endsWith: missing attribute', cond('email', 'endsWith', ['@acme.com']), {}, false);
invalid('endsWith: number attribute', cond('email', 'endsWith', ['0']), { email: 100 });
invalid('endsWith: number value', cond('email', 'endsWith', [0]), { email: 'x0' });

// ---------------------------------------------------------------------------------------------
// matches: the safe regular-expression subset, searched like RegExp.test (unanchored)

const rx = (name, pattern, text, matches, options) =>
  definite(`matches: ${name}`, cond('text', 'matches', [pattern], options), { text }, matches);
const rxInvalid = (name, pattern, text) => invalid(`matches: ${name}`, cond('text', 'matches', [pattern]), { text });

rx('literal found anywhere (search, not full match)', 'acme', 'www.acme.com', true);
rx('literal absent', 'acme', 'www.globex.com', false);
rx('^ anchors at the start', '^acme', 'www.acme.com', false);
rx('^ with escaped dot', '^www\\.', 'www.acme.com', true);
rx('$ anchors at the end', 'com$', 'www.acme.com', true);
rx('^...$ must cover the whole text', '^com$', 'www.acme.com', false);
rx('empty pattern matches any text', '', 'anything', true);
rx('dot matches one character', '^a.c$', 'abc', true);
rx('dot does not match a newline', '^a.c$', 'a\nc', false);
rx('dot matches one code point, even outside the BMP', '^.$', '😀', true);
rx('two dots do not match one astral code point', '^..$', '😀', false);
rx('\\d matches ASCII digits', '^\\d{3}-\\d{4}$', '555-1234', true);
rx('\\d with too many digits', '^\\d{3}-\\d{4}$', '555-12345', false);
rx('\\d does not match non-ASCII digits', '\\d', '٣', false);
rx('\\w matches letters, digits and underscore', '^\\w+$', 'hello_world42', true);
rx('\\w does not match a space', '^\\w+$', 'hello world', false);
rx('\\s matches a space', 'a\\sb', 'a b', true);
rx('\\s matches a tab', 'a\\sb', 'a\tb', true);
rx('\\s needs whitespace', 'a\\sb', 'ab', false);
rx('\\D matches non-digits', '^\\D+$', 'abc', true);
rx('\\D rejects a digit', '^\\D+$', 'ab1', false);
rx('\\W matches punctuation', '^\\W+$', '!?-', true);
rx('\\S matches non-space', '^\\S+$', 'nospace', true);
rx('\\S rejects a space', '^\\S+$', 'a space', false);
rx('character class range', '^[a-z]+$', 'hello', true);
rx('character class range is case-sensitive', '^[a-z]+$', 'Hello', false);
rx('character class range with caseInsensitive', '^[a-z]+$', 'Hello', true, CI);
rx('negated character class', '^[^0-9]+$', 'abc', true);
rx('negated character class rejects', '^[^0-9]+$', 'a1c', false);
rx('dot inside a class is literal', '^[.]$', '.', true);
rx('dot inside a class does not match other characters', '^[.]$', 'a', false);
rx('alternation in a group', '^(foo|bar)baz$', 'barbaz', true);
rx('alternation in a group, no branch fits', '^(foo|bar)baz$', 'quxbaz', false);
rx('non-capturing group repeated', '^(?:ab)+$', 'ababab', true);
rx('non-capturing group repeated, odd tail', '^(?:ab)+$', 'ababa', false);
rx('? makes optional (absent)', '^colou?r$', 'color', true);
rx('? makes optional (present)', '^colou?r$', 'colour', true);
rx('? allows at most one', '^colou?r$', 'colouur', false);
rx('* allows zero', '^ab*c$', 'ac', true);
rx('+ needs at least one', '^ab+c$', 'ac', false);
rx('{m} exact count', '^a{3}$', 'aaa', true);
rx('{m} exact count, too few', '^a{3}$', 'aa', false);
rx('{m,} at least', '^a{2,}$', 'aaaa', true);
rx('{m,} at least, too few', '^a{2,}$', 'a', false);
rx('{m,n} within range', '^a{2,4}$', 'aaa', true);
rx('{m,n} above range', '^a{2,4}$', 'aaaaa', false);
rx('{m,n} with n = 1000 is allowed', '^a{1,1000}$', 'aaaa', true);
rx('{1000} is allowed', '^a{1000}$', 'a'.repeat(1000), true);
rx('{1000} needs all 1000', '^a{1000}$', 'a'.repeat(999), false);
rx('lazy quantifier +?', '^a+?b$', 'aaab', true);
rx('lazy quantifier *?', '^x*?y', 'xxy', true);
rx('lazy quantifier ??', '^ab??c$', 'abc', true);
rx('escaped +', '^1\\+1=2$', '1+1=2', true);
rx('escaped parentheses', '^\\(x\\)$', '(x)', true);
rx('escaped $', '\\$5', 'cost: $5', true);
rx('escaped dot is not a wildcard', '^a\\.b$', 'axb', false);
rx('escaped backslash', '^a\\\\b$', 'a\\b', true);
rx('escaped brackets and braces', '^\\[\\{\\}\\]$', '[{}]', true);
rx('escaped pipe, star and question mark', '^\\|\\*\\?$', '|*?', true);
rx('caseInsensitive flag', '^HELLO$', 'hello', true, CI);
rx('case-sensitive by default', '^HELLO$', 'hello', false);
rx('caseInsensitive with non-ASCII letter', '^é$', 'É', true, CI);
rx('non-ASCII literal', 'ünch', 'München', true);

definite(
  'matches: array attribute, one element matches',
  cond('hosts', 'matches', ['\\.acme\\.com$']),
  { hosts: ['a.globex.io', 'b.acme.com'] },
  true,
);
definite('matches: array attribute, no element matches', cond('hosts', 'matches', ['\\.acme\\.com$']), { hosts: ['a.globex.io'] }, false);
definite('matches: any of several patterns', cond('text', 'matches', ['^x', 'y$']), { text: 'ay' }, true);
definite('matches: missing attribute', cond('text', 'matches', ['.*']), {}, false);
definite('matches: invalid pattern beside a matching one', cond('text', 'matches', ['(', 'acme']), { text: 'acme.com' }, true);

rxInvalid('unbalanced open parenthesis', '(', 'anything');
rxInvalid('unbalanced close parenthesis', 'a)', 'a)');
rxInvalid('unterminated class', '[a-', 'a');
rxInvalid('quantifier with nothing to repeat', '*a', 'a');
rxInvalid('lone +', '+', '+');
rxInvalid('double quantifier', 'a**', 'aaa');
rxInvalid('{m,n} with m > n', 'a{2,1}', 'aa');
rxInvalid('{m,n} with n above 1000', 'a{1,1001}', 'a');
rxInvalid('{m} above 1000', 'a{1001}', 'a'.repeat(1001));
rxInvalid('{m,} above 1000', 'a{1001,}', 'a'.repeat(1001));
rxInvalid('backreference', '(a)\\1', 'aa');
rxInvalid('lookahead', 'foo(?=bar)', 'foobar');
rxInvalid('negative lookahead', 'foo(?!bar)', 'foobaz');
rxInvalid('lookbehind', '(?<=\\$)\\d+', '$5');
rxInvalid('negative lookbehind', '(?<!x)y', 'ay');
invalid('matches: number attribute', cond('zip', 'matches', ['^\\d+$']), { zip: 12345 });
invalid('matches: boolean attribute', cond('ok', 'matches', ['true']), { ok: true });
invalid('matches: number pattern', cond('text', 'matches', [123]), { text: '123' });
invalid('matches: invalid pattern beside a non-matching one', cond('text', 'matches', ['(', 'globex']), { text: 'acme.com' });

// Patterns that take exponential or high-polynomial time in a backtracking engine. A linear
// engine answers each at once; an evaluator that hangs here fails the spec.
const A31 = `${'a'.repeat(31)}!`;
rx('nested quantifier ^(a+)+$ on a near-miss (catastrophic for backtracking)', '^(a+)+$', A31, false);
rx('nested quantifier ^(a+)+$ on a hit', '^(a+)+$', 'aaaa', true);
rx('overlapping alternation (a|aa)*b without b', '(a|aa)*b', 'a'.repeat(40), false);
rx('overlapping alternation (a|aa)*b with b', '(a|aa)*b', 'aaab', true);
rx('identical alternation ^(a|a)*$ on a near-miss', '^(a|a)*$', `${'a'.repeat(40)}!`, false);
rx('star of star ^(a*)*$ on a near-miss', '^(a*)*$', `${'a'.repeat(40)}b`, false);
rx('(x+x+)+y without y', '(x+x+)+y', 'x'.repeat(40), false);
rx('word groups ^(\\w+\\s?)*$ on a near-miss', '^(\\w+\\s?)*$', `${'word '.repeat(10)}${'a'.repeat(20)}!`, false);
rx('repeated dot-star group ^(.*a){12}$ on a near-miss', '^(.*a){12}$', `${'a'.repeat(30)}b`, false);
rx('bounded repetition of a group on a near-miss', '^(a|ab){1,1000}$', `${'ab'.repeat(30)}c`, false);

// ---------------------------------------------------------------------------------------------
// lt / lte / gt / gte: number attribute, number values

definite('lt: smaller', cond('age', 'lt', [18]), { age: 17 }, true);
definite('lt: equal is not less', cond('age', 'lt', [18]), { age: 18 }, false);
definite('lt: larger', cond('age', 'lt', [18]), { age: 19 }, false);
definite('lt: negative numbers', cond('balance', 'lt', [0]), { balance: -0.01 }, true);
definite('lt: fractions', cond('ratio', 'lt', [1.6]), { ratio: 1.5 }, true);
definite('lt: any of several values', cond('age', 'lt', [10, 20]), { age: 15 }, true);
definite('lt: array attribute, one element smaller', cond('scores', 'lt', [18]), { scores: [30, 10] }, true);
definite('lt: missing attribute', cond('age', 'lt', [18]), {}, false);
definite('lt: caseInsensitive is ignored for numbers', cond('age', 'lt', [18], CI), { age: 5 }, true);
definite('lt: bad value beside a matching value', cond('age', 'lt', ['x', 18]), { age: 5 }, true);
invalid('lt: numeric string attribute', cond('age', 'lt', [18]), { age: '17' });
invalid('lt: numeric string value', cond('age', 'lt', ['18']), { age: 17 });
invalid('lt: boolean attribute', cond('age', 'lt', [18]), { age: true });
invalid('lt: array attribute of strings', cond('ages', 'lt', [18]), { ages: ['a', 'b'] });
invalid('lt: bad value beside a non-matching value', cond('age', 'lt', ['x', 18]), { age: 50 });

definite('lte: equal', cond('age', 'lte', [18]), { age: 18 }, true);
definite('lte: smaller', cond('age', 'lte', [18]), { age: 0 }, true);
definite('lte: larger', cond('age', 'lte', [18]), { age: 18.5 }, false);
definite('lte: missing attribute', cond('age', 'lte', [18]), { country: 'DE' }, false);
invalid('lte: string attribute', cond('age', 'lte', [18]), { age: 'eighteen' });

definite('gt: larger', cond('age', 'gt', [18]), { age: 19 }, true);
definite('gt: equal is not greater', cond('age', 'gt', [18]), { age: 18 }, false);
definite('gt: large numbers', cond('bytes', 'gt', [9007199254740000]), { bytes: 9007199254740991 }, true);
definite('gt: missing attribute', cond('age', 'gt', [18]), {}, false);
invalid('gt: numeric string attribute', cond('age', 'gt', [18]), { age: '19' });
invalid('gt: boolean value', cond('age', 'gt', [false]), { age: 19 });

definite('gte: equal', cond('age', 'gte', [18]), { age: 18 }, true);
definite('gte: smaller', cond('age', 'gte', [18]), { age: 17.999 }, false);
definite('gte: array attribute', cond('ages', 'gte', [65]), { ages: [12, 70] }, true);
invalid('gte: numeric string value', cond('age', 'gte', ['18']), { age: 18 });

// ---------------------------------------------------------------------------------------------
// before / after: ISO-8601 strings or epoch milliseconds; instants are compared

const at = (operator, value) => cond('time', operator, [value]);

definite('before: earlier date', at('before', '2024-01-02'), { time: '2024-01-01' }, true);
definite('before: later date', at('before', '2024-01-02'), { time: '2024-01-03' }, false);
definite('before: same date is not before', at('before', '2024-01-02'), { time: '2024-01-02' }, false);
definite('before: UTC date-times one second apart', at('before', '2024-01-02T03:04:06Z'), { time: '2024-01-02T03:04:05Z' }, true);
definite('before: milliseconds count', at('before', '2024-01-02T00:00:00.501Z'), { time: '2024-01-02T00:00:00.500Z' }, true);
definite(
  'before: offset is applied (03:00+02:00 is 01:00Z)',
  at('before', '2024-01-02T02:00:00Z'),
  { time: '2024-01-02T03:00:00+02:00' },
  true,
);
definite(
  'before: same instant written with different offsets',
  at('before', '2024-01-02T00:00:00Z'),
  { time: '2024-01-02T02:00:00+02:00' },
  false,
);
definite('before: a date is midnight UTC', at('before', '2024-01-02T00:00:01Z'), { time: '2024-01-02' }, true);
definite('before: a date equals midnight UTC of that day', at('before', '2024-01-02T00:00:00Z'), { time: '2024-01-02' }, false);
definite('before: epoch milliseconds attribute vs date', at('before', '2024-01-03'), { time: 1704153600000 }, true);
definite('before: date attribute vs epoch milliseconds value', at('before', 1704153600000), { time: '2024-01-01' }, true);
definite('before: epoch milliseconds on both sides', at('before', 2000), { time: 1000 }, true);
definite('before: epoch 0 vs a 1970 date-time', at('before', '1970-01-01T00:00:00.001Z'), { time: 0 }, true);
definite('before: leap day is a valid date', at('before', '2024-03-01'), { time: '2024-02-29' }, true);
definite('before: any of several values', cond('time', 'before', ['2020-01-01', '2030-01-01']), { time: '2024-06-01' }, true);
definite('before: array attribute', at('before', '2024-01-01'), { time: ['2030-01-01', '2020-01-01'] }, true);
definite('before: missing attribute', at('before', '2024-01-01'), {}, false);
definite('before: bad value beside a matching value', cond('time', 'before', ['soon', '2030-01-01']), { time: '2024-01-01' }, true);
invalid('before: attribute is not a date', at('before', '2024-01-02'), { time: 'yesterday' });
invalid('before: month 13', at('before', '2024-01-02'), { time: '2024-13-01' });
invalid('before: February 30', at('before', '2024-03-02'), { time: '2024-02-30' });
invalid('before: February 29 in a common year', at('before', '2024-01-02'), { time: '2023-02-29' });
invalid('before: hour 25', at('before', '2024-01-03'), { time: '2024-01-02T25:00:00Z' });
invalid('before: US-style date', at('before', '2024-01-03'), { time: '01/02/2024' });
invalid('before: unpadded month and day', at('before', '2024-01-03'), { time: '2024-1-2' });
invalid('before: date-time without offset', at('before', '2024-01-03'), { time: '2024-01-02T03:04:05' });
invalid('before: epoch milliseconds as a string', at('before', '2024-01-03'), { time: '1704153600000' });
invalid('before: empty string', at('before', '2024-01-03'), { time: '' });
invalid('before: boolean attribute', at('before', '2024-01-03'), { time: true });
invalid('before: value is not a date', at('before', 'next week'), { time: '2024-01-02' });
invalid('before: boolean value', at('before', true), { time: '2024-01-02' });
invalid('before: value date-time without offset', at('before', '2024-01-03T00:00:00'), { time: '2024-01-02' });

definite('after: later date', at('after', '2024-01-02'), { time: '2024-01-03' }, true);
definite('after: earlier date', at('after', '2024-01-02'), { time: '2024-01-01' }, false);
definite('after: same instant is not after', at('after', '2024-01-02T00:00:00Z'), { time: '2024-01-02' }, false);
definite(
  'after: negative offset (20:00-05:00 is 01:00Z next day)',
  at('after', '2024-01-02T00:30:00Z'),
  { time: '2024-01-01T20:00:00-05:00' },
  true,
);
definite('after: +00:00 offset equals Z', at('after', '2024-01-02T00:00:00Z'), { time: '2024-01-02T00:00:00+00:00' }, false);
definite('after: milliseconds', at('after', '2024-01-02T00:00:00Z'), { time: '2024-01-02T00:00:00.500Z' }, true);
definite('after: epoch milliseconds attribute', at('after', '2023-12-31T23:59:59Z'), { time: 1704067200000 }, true);
definite('after: epoch milliseconds value', at('after', 1704067200000), { time: '2023-12-31' }, false);
definite('after: missing attribute', at('after', '2024-01-01'), {}, false);
invalid('after: attribute is not a date', at('after', '2024-01-01'), { time: 'tomorrow' });
invalid('after: value is not a date', at('after', '2024-99-99'), { time: '2024-01-02' });
invalid('after: date-time without offset', at('after', '2024-01-01'), { time: '2024-01-02T00:00:00' });

// ---------------------------------------------------------------------------------------------
// semverEq / semverLt / semverGt: strict SemVer 2.0.0

const sv = (operator, value) => cond('version', operator, [value]);

definite('semverEq: equal', sv('semverEq', '1.2.3'), { version: '1.2.3' }, true);
definite('semverEq: different patch', sv('semverEq', '1.2.3'), { version: '1.2.4' }, false);
definite('semverEq: any of several values', cond('version', 'semverEq', ['1.0.0', '1.2.3']), { version: '1.2.3' }, true);
definite('semverEq: build metadata is ignored', sv('semverEq', '1.2.3'), { version: '1.2.3+build.5' }, true);
definite('semverEq: different build metadata is still equal', sv('semverEq', '1.2.3+b'), { version: '1.2.3+a' }, true);
definite('semverEq: pre-release is not the release', sv('semverEq', '1.2.3'), { version: '1.2.3-alpha' }, false);
definite('semverEq: identifiers with hyphens', sv('semverEq', '1.0.0-x-y-z.--'), { version: '1.0.0-x-y-z.--' }, true);
definite('semverEq: array attribute', sv('semverEq', '2.0.0'), { version: ['1.0.0', '2.0.0'] }, true);
definite('semverEq: missing attribute', sv('semverEq', '1.0.0'), {}, false);

// The precedence chain from SemVer 2.0.0 §11, each adjacent pair both ways.
const CHAIN = ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0'];
for (let i = 0; i + 1 < CHAIN.length; i += 1) {
  const lower = CHAIN[i];
  const higher = CHAIN[i + 1];
  definite(`semverLt: ${lower} < ${higher}`, sv('semverLt', higher), { version: lower }, true);
  definite(`semverLt: ${higher} is not < ${lower}`, sv('semverLt', lower), { version: higher }, false);
  definite(`semverGt: ${higher} > ${lower}`, sv('semverGt', lower), { version: higher }, true);
  definite(`semverGt: ${lower} is not > ${higher}`, sv('semverGt', higher), { version: lower }, false);
}
definite('semverLt: first and last of the chain', sv('semverLt', '1.0.0'), { version: '1.0.0-alpha' }, true);
definite('semverGt: rc.1 > alpha.1', sv('semverGt', '1.0.0-alpha.1'), { version: '1.0.0-rc.1' }, true);
definite('semverLt: equal is not less', sv('semverLt', '1.0.0'), { version: '1.0.0' }, false);
definite('semverGt: equal is not greater', sv('semverGt', '1.0.0-beta'), { version: '1.0.0-beta' }, false);
definite('semverGt: minor compared numerically (1.10.0 > 1.9.0)', sv('semverGt', '1.9.0'), { version: '1.10.0' }, true);
definite('semverLt: major outranks minor and patch', sv('semverLt', '2.0.0'), { version: '1.99.99' }, true);
definite('semverLt: patch compared numerically', sv('semverLt', '1.0.10'), { version: '1.0.9' }, true);
definite('semverLt: numeric pre-release below alphanumeric', sv('semverLt', '1.0.0-alpha'), { version: '1.0.0-1' }, true);
definite('semverLt: numeric pre-release identifiers compared numerically', sv('semverLt', '1.0.0-10'), { version: '1.0.0-2' }, true);
definite('semverLt: alphanumeric identifiers compared in ASCII order', sv('semverLt', '1.0.0-alpha'), { version: '1.0.0-Beta' }, true);
definite(
  'semverLt: pre-release of the next version is above the current release',
  sv('semverLt', '1.0.1-alpha'),
  { version: '1.0.0' },
  true,
);
definite('semverLt: build metadata is ignored', sv('semverLt', '1.0.0'), { version: '1.0.0-rc.1+build.9' }, true);
definite('semverLt: build metadata alone does not order', sv('semverLt', '1.0.0+10'), { version: '1.0.0+2' }, false);
definite('semverGt: build metadata alone does not order', sv('semverGt', '1.0.0+2'), { version: '1.0.0+10' }, false);
definite('semverGt: missing attribute', sv('semverGt', '1.0.0'), {}, false);
definite('semverGt: bad value beside a matching value', cond('version', 'semverGt', ['v1', '1.0.0']), { version: '2.0.0' }, true);

invalid('semverEq: leading v is not accepted', sv('semverEq', '1.2.3'), { version: 'v1.2.3' });
invalid('semverEq: leading v in the value', sv('semverEq', 'v1.2.3'), { version: '1.2.3' });
invalid('semverEq: two components', sv('semverEq', '1.2.0'), { version: '1.2' });
invalid('semverGt: one component', sv('semverGt', '0.1.0'), { version: '1' });
invalid('semverLt: four components', sv('semverLt', '2.0.0'), { version: '1.2.3.4' });
invalid('semverLt: leading zero in major', sv('semverLt', '2.0.0'), { version: '01.2.3' });
invalid('semverLt: leading zero in minor', sv('semverLt', '2.0.0'), { version: '1.02.3' });
invalid('semverLt: leading zero in numeric pre-release', sv('semverLt', '2.0.0'), { version: '1.2.3-01' });
invalid('semverLt: empty pre-release', sv('semverLt', '2.0.0'), { version: '1.2.3-' });
invalid('semverLt: empty build metadata', sv('semverLt', '2.0.0'), { version: '1.2.3+' });
invalid('semverLt: empty pre-release identifier', sv('semverLt', '2.0.0'), { version: '1.2.3-alpha..1' });
invalid('semverGt: surrounding whitespace', sv('semverGt', '1.0.0'), { version: ' 1.2.3' });
invalid('semverGt: a word', sv('semverGt', '1.0.0'), { version: 'latest' });
invalid('semverGt: empty string', sv('semverGt', '1.0.0'), { version: '' });
invalid('semverGt: number attribute', sv('semverGt', '1.0.0'), { version: 2 });
invalid('semverGt: number value', sv('semverGt', 1), { version: '2.0.0' });
invalid('semverGt: bad value beside a non-matching value', cond('version', 'semverGt', ['v1', '3.0.0']), { version: '2.0.0' });

// ---------------------------------------------------------------------------------------------
// exists: present and not null; values ignored

definite('exists: string present', cond('email', 'exists', []), { email: 'a@acme.com' }, true);
definite('exists: empty string is present', cond('email', 'exists', []), { email: '' }, true);
definite('exists: 0 is present', cond('count', 'exists', []), { count: 0 }, true);
definite('exists: false is present', cond('beta', 'exists', []), { beta: false }, true);
definite('exists: empty array is present', cond('tags', 'exists', []), { tags: [] }, true);
definite('exists: object is present', cond('address', 'exists', []), { address: { city: 'Berlin' } }, true);
definite('exists: null is not present', cond('email', 'exists', []), { email: null }, false);
definite('exists: missing', cond('email', 'exists', []), { userId: 'u-1' }, false);
definite('exists: values are ignored', cond('email', 'exists', ['unrelated', 42]), { email: 'a@acme.com' }, true);
definite('exists: nested paths are not followed', cond('address.city', 'exists', []), { address: { city: 'Berlin' } }, false);

// ---------------------------------------------------------------------------------------------
// inSegment: membership by userId (excluded, then included, then all conditions)

const seg = (key, props) => ({ key, ...props });
const SEGMENTS = {
  staff: seg('staff', {
    included: ['u-alice', 'u-mallory'],
    excluded: ['u-mallory', 'u-eve'],
    conditions: [cond('email', 'endsWith', ['@acme.com'])],
  }),
  nobody: seg('nobody', { conditions: [] }),
  'hand-picked': seg('hand-picked', { included: ['u-zoe'], conditions: [] }),
  'german-pros': seg('german-pros', {
    conditions: [cond('country', 'in', ['DE']), cond('plan', 'in', ['pro'])],
  }),
  'eu-staff': seg('eu-staff', {
    conditions: [cond('userId', 'inSegment', ['staff']), cond('country', 'in', ['DE', 'FR'])],
  }),
  'non-staff': seg('non-staff', {
    conditions: [cond('userId', 'inSegment', ['staff'], { negate: true })],
  }),
  minors: seg('minors', { conditions: [cond('age', 'lt', [18])] }),
  'loop-self': seg('loop-self', {
    included: ['u-in-loop'],
    excluded: ['u-out-of-loop'],
    conditions: [cond('userId', 'inSegment', ['loop-self'])],
  }),
  'loop-a': seg('loop-a', { conditions: [cond('userId', 'inSegment', ['loop-b'])] }),
  'loop-b': seg('loop-b', { conditions: [cond('userId', 'inSegment', ['loop-a'])] }),
  'loop-guarded': seg('loop-guarded', {
    conditions: [cond('country', 'in', ['DE']), cond('userId', 'inSegment', ['loop-guarded'])],
  }),
};

/** Each inSegment case carries only the segments it can reach. */
function reachable(keys) {
  const out = {};
  const visit = (key) => {
    if (out[key] || !SEGMENTS[key]) return;
    out[key] = SEGMENTS[key];
    for (const c of SEGMENTS[key].conditions) if (c.operator === 'inSegment') c.values.forEach(visit);
  };
  keys.forEach(visit);
  return out;
}
const inSeg = (keys) => cond('userId', 'inSegment', keys);
const member = (name, keys, context, matches) => definite(`inSegment: ${name}`, inSeg(keys), context, matches, reachable(keys));
const memberInvalid = (name, keys, context) => invalid(`inSegment: ${name}`, inSeg(keys), context, reachable(keys));

member('included userId is a member without matching conditions', ['staff'], { userId: 'u-alice' }, true);
member('excluded wins over included and matching conditions', ['staff'], { userId: 'u-mallory', email: 'm@acme.com' }, false);
member('excluded wins over matching conditions', ['staff'], { userId: 'u-eve', email: 'eve@acme.com' }, false);
member('conditions match', ['staff'], { userId: 'u-bob', email: 'bob@acme.com' }, true);
member('conditions do not match', ['staff'], { userId: 'u-carol', email: 'carol@globex.com' }, false);
member('included list is case-sensitive', ['staff'], { userId: 'U-ALICE' }, false);
member('no userId, conditions still apply', ['staff'], { email: 'dan@acme.com' }, true);
member('empty conditions match nobody', ['nobody'], { userId: 'u-anyone' }, false);
member('empty conditions, included userId', ['hand-picked'], { userId: 'u-zoe' }, true);
member('empty conditions, other userId', ['hand-picked'], { userId: 'u-yan' }, false);
member('all conditions match', ['german-pros'], { userId: 'u-1', country: 'DE', plan: 'pro' }, true);
member('one condition fails', ['german-pros'], { userId: 'u-1', country: 'DE', plan: 'free' }, false);
member('nested segment and condition match', ['eu-staff'], { userId: 'u-bob', email: 'bob@acme.com', country: 'FR' }, true);
member('nested segment matches, condition fails', ['eu-staff'], { userId: 'u-bob', email: 'bob@acme.com', country: 'US' }, false);
member('nested segment via its included list', ['eu-staff'], { userId: 'u-alice', country: 'DE' }, true);
member('nested segment excludes', ['eu-staff'], { userId: 'u-eve', email: 'eve@acme.com', country: 'DE' }, false);
member('negated nested segment condition', ['non-staff'], { userId: 'u-carol', email: 'carol@globex.com' }, true);
member('negated nested segment condition, staff member', ['non-staff'], { userId: 'u-alice' }, false);
member('any of several segments', ['nobody', 'staff'], { userId: 'u-alice' }, true);
member('none of several segments', ['nobody', 'hand-picked'], { userId: 'u-alice' }, false);
member('unknown segment key is no match', ['ghost'], { userId: 'u-alice' }, false);
member('unknown segment key beside a matching segment', ['ghost', 'staff'], { userId: 'u-alice' }, true);
member('segment condition does not match', ['minors'], { userId: 'u-1', age: 30 }, false);
member('segment condition matches', ['minors'], { userId: 'u-1', age: 12 }, true);
member('cyclic segment, userId included', ['loop-self'], { userId: 'u-in-loop' }, true);
member('cyclic segment, userId excluded', ['loop-self'], { userId: 'u-out-of-loop' }, false);
member('cyclic segment behind a failing condition', ['loop-guarded'], { userId: 'u-1', country: 'FR' }, false);
memberInvalid('segment condition with a bad value', ['minors'], { userId: 'u-1', age: 'twelve' });
memberInvalid('segment that references itself', ['loop-self'], { userId: 'u-1' });
memberInvalid('two segments that reference each other', ['loop-a'], { userId: 'u-1' });
memberInvalid('two segments that reference each other, entered from the other side', ['loop-b'], { userId: 'u-1' });
memberInvalid('cyclic segment behind a matching condition', ['loop-guarded'], { userId: 'u-1', country: 'DE' });
definite(
  'inSegment: the attribute is ignored',
  cond('email', 'inSegment', ['hand-picked']),
  { userId: 'u-zoe' },
  true,
  reachable(['hand-picked']),
);

// ---------------------------------------------------------------------------------------------

writeCaseFile('operators.json', {
  specVersion: readSpecVersion(),
  description:
    'Condition cases. Run each case by evaluating flag "spec-flag" in the snapshot ' +
    '{"schemaVersion":1,"environment":"spec","revision":1,"flags":{"spec-flag":{"key":"spec-flag","version":1,' +
    '"type":"boolean","enabled":true,"variants":{"on":true,"off":false},"offVariant":"off",' +
    '"rules":[{"id":"rule","conditions":[<condition>],"serve":{"variant":"on"}}],"fallthrough":{"variant":"off"}}},' +
    '"segments":<segments, or {} when absent>} with the case context and default false. ' +
    'expected true means the result is {value: true, variant: "on", reason: "TARGETING_MATCH", ruleId: "rule"}; ' +
    'expected false means {value: false, variant: "off", reason: "DEFAULT"}. ' +
    'Conditions are tri-state (match, no match, invalid): negate flips match and no match; invalid is false either way.',
  cases,
});
console.log(`operators.json: ${cases.length} cases`);
