/**
 * The three evaluation scenarios and the users they run over. Every implementation
 * (floor, Switchboard core, each peer SDK) is configured from these constants in its
 * own flag format, and evaluated over the same users in its own context shape.
 */

export const USER_COUNT = 100_000;

export const FLAG_KEYS = {
  plain: 'plain-on',
  rollout: 'new-checkout',
  rules: 'checkout-rules',
} as const;

/** Percent of users the rollout flag serves `true`. */
export const ROLLOUT_PERCENT = 50;
/** Percent of users who match no rule that the rules flag's fallthrough serves `true`. */
export const RULES_FALLTHROUGH_PERCENT = 20;

/** Rule 1: country in list. Rule 2: plan equals. Rule 3: email ends with. Each serves `true`. */
export const RULE_COUNTRIES = ['DE', 'FR', 'NL'];
export const RULE_PLAN = 'enterprise';
export const RULE_EMAIL_SUFFIX = '@acme.com';

export type ScenarioId = 'plain' | 'rollout' | 'rules';

export interface Scenario {
  id: ScenarioId;
  flagKey: string;
  title: string;
  description: string;
}

export const SCENARIOS: readonly Scenario[] = [
  {
    id: 'plain',
    flagKey: FLAG_KEYS.plain,
    title: 'Plain flag',
    description: 'boolean flag, on, no rules: serves `true` to everyone',
  },
  {
    id: 'rollout',
    flagKey: FLAG_KEYS.rollout,
    title: `${ROLLOUT_PERCENT}% rollout`,
    description: `boolean flag, fallthrough rollout ${ROLLOUT_PERCENT}/${100 - ROLLOUT_PERCENT} bucketed by user id`,
  },
  {
    id: 'rules',
    flagKey: FLAG_KEYS.rules,
    title: `3 rules + ${RULES_FALLTHROUGH_PERCENT}% rollout`,
    description:
      `rules \`country in [${RULE_COUNTRIES.join(', ')}]\`, \`plan = ${RULE_PLAN}\`, ` +
      `\`email endsWith ${RULE_EMAIL_SUFFIX}\` (each serves \`true\`), ` +
      `then a ${RULES_FALLTHROUGH_PERCENT}% rollout fallthrough`,
  },
];

export interface User {
  userId: string;
  country: string;
  plan: string;
  email: string;
}

const COUNTRIES = ['US', 'GB', 'DE', 'FR', 'NL', 'ES', 'IT', 'BR', 'IN', 'JP', 'CA', 'AU', 'MX', 'PL', 'SE', 'NO', 'KR', 'ZA', 'AR', 'IE'];
const DOMAINS = ['example.com', 'mail.test', 'corp.example.org'];

/** mulberry32: a tiny seeded PRNG, so every run builds the same users. */
function createRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Deterministic users: ids `user-00000`…`user-99999`; about 15% in a rule country,
 * 5% on the rule plan and 3% with a rule email, so roughly 78% of evaluations of the
 * rules flag run all three rules and then the rollout.
 */
export function createUsers(count = USER_COUNT): User[] {
  const random = createRandom(42);
  const width = String(count - 1).length;
  const users: User[] = [];
  for (let i = 0; i < count; i++) {
    const userId = `user-${String(i).padStart(width, '0')}`;
    const country = COUNTRIES[Math.floor(random() * COUNTRIES.length)]!;
    const p = random();
    const plan = p < 0.05 ? RULE_PLAN : p < 0.3 ? 'pro' : p < 0.45 ? 'team' : 'free';
    const domain = random() < 0.03 ? RULE_EMAIL_SUFFIX.slice(1) : DOMAINS[Math.floor(random() * DOMAINS.length)]!;
    users.push({ userId, country, plan, email: `${userId}@${domain}` });
  }
  return users;
}

/** Which rule (by position) a user matches first, or -1: the oracle the verifier uses. */
export function firstMatchingRule(user: User): number {
  if (RULE_COUNTRIES.includes(user.country)) return 0;
  if (user.plan === RULE_PLAN) return 1;
  if (user.email.endsWith(RULE_EMAIL_SUFFIX)) return 2;
  return -1;
}
