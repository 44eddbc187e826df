import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { formatHmacSecret, signStandardWebhooks } from '../src/index';

// The reference JavaScript library (standardwebhooks, pinned) checks our signer.
describe('signStandardWebhooks v1', () => {
  const secret = randomBytes(32);
  const whsec = formatHmacSecret(secret);
  const body = Buffer.from('{"id":"dl_1","type":"update","fields":{"name":"piet € ü"}}');

  it('signs exactly as the reference library does, and the library verifies it', () => {
    const now = Math.floor(Date.now() / 1000);
    const headers = signStandardWebhooks({ id: 'dl_1', timestamp: now, body }, [{ kind: 'hmac', secret }]);
    expect(headers['webhook-signature']).toBe(new Webhook(whsec).sign('dl_1', new Date(now * 1000), body));
    expect(new Webhook(whsec).verify(body, { ...headers })).toEqual(JSON.parse(body.toString()));
  });

  it('sends one signature per secret during a rotation; the library accepts either secret', () => {
    const next = randomBytes(32);
    const headers = signStandardWebhooks({ id: 'dl_1', timestamp: Math.floor(Date.now() / 1000), body }, [
      { kind: 'hmac', secret: next },
      { kind: 'hmac', secret },
    ]);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(() => new Webhook(whsec).verify(body, { ...headers })).not.toThrow();
    expect(() => new Webhook(formatHmacSecret(next)).verify(body, { ...headers })).not.toThrow();
    expect(() => new Webhook(formatHmacSecret(randomBytes(32))).verify(body, { ...headers })).toThrow();
  });

  it('refuses an id that would make the signed content ambiguous, and signing without a secret', () => {
    expect(() => signStandardWebhooks({ id: 'a.b', timestamp: 1, body }, [{ kind: 'hmac', secret }])).toThrow(
      /not a valid id/,
    );
    expect(() => signStandardWebhooks({ id: 'a', timestamp: 1, body }, [])).toThrow(/no secret/);
  });
});
