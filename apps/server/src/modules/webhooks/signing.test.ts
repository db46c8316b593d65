import { describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { generateWebhookSecret, messageId, sign, signedHeaders } from './signing.js';

describe('webhook signing', () => {
  it('makes secrets in the Standard Webhooks format', () => {
    const secret = generateWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
    expect(generateWebhookSecret()).not.toBe(secret);
  });

  it('signs as the Standard Webhooks reference implementation verifies', () => {
    const secret = generateWebhookSecret();
    const id = messageId();
    const timestamp = Math.floor(Date.now() / 1000);
    const body = JSON.stringify({ type: 'flag.changed', data: { flagKey: 'new-checkout', note: 'ünïcode' } });
    const headers = signedHeaders([secret], id, timestamp, body);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(generateWebhookSecret()).verify(body, headers)).toThrow();
    expect(() => new Webhook(secret).verify(`${body} `, headers)).toThrow();
  });

  it("gives the reference implementation's signature for the same id, time and body", () => {
    const secret = `whsec_${Buffer.from('test-key').toString('base64')}`;
    const expected = new Webhook(secret).sign('msg_1', new Date(1_700_000_000_000), '{}');
    expect(sign(secret, 'msg_1', 1_700_000_000, '{}')).toBe(expected);
  });

  it('carries one signature per active secret, each verifiable alone', () => {
    const [current, previous] = [generateWebhookSecret(), generateWebhookSecret()];
    const body = '{"type":"flag.changed"}';
    const headers = signedHeaders([current, previous], messageId(), Math.floor(Date.now() / 1000), body);
    expect(headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(new Webhook(current).verify(body, headers)).toBeTruthy();
    expect(new Webhook(previous).verify(body, headers)).toBeTruthy();
  });
});
