import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { platformKeyRingEnv } from '@callbacks/testing';
import { startWorld, type World } from './world';

let w: World;
beforeAll(async () => {
  w = await startWorld({ mongoUrl: inject('mongoUrl'), serviceEnv: platformKeyRingEnv() });
});
afterAll(async () => {
  await w?.close();
});

const json = (stdout: string) => JSON.parse(stdout) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('signature schemes and secrets', () => {
  it('creates with --signature-scheme, shows the secret once, reveals it and rotates it', async () => {
    const create = await w.cli([
      'callbacks',
      'create',
      '--account',
      '42',
      '--database',
      '7',
      '--url',
      'https://hooks.example.com/swh',
      '--signature-scheme',
      'standard-webhooks-v1',
      '--json',
    ]);
    expect(create.code, create.stderr).toBe(0);
    const created = json(create.stdout);
    expect(created['signatureScheme']).toBe('SIGNATURE_SCHEME_STANDARD_WEBHOOKS_V1');
    const secret = created['revealedSecret']['secret'] as string;
    expect(secret).toMatch(/^whsec_/);
    // What the CLI printed is a secret the reference library signs and verifies with.
    const signer = new Webhook(secret);
    const timestamp = new Date();
    expect(() =>
      signer.verify('{}', {
        'webhook-id': 'msg_1',
        'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
        'webhook-signature': signer.sign('msg_1', timestamp, '{}'),
      }),
    ).not.toThrow();

    const get = await w.cli(['callbacks', 'get', created['id'], '--json']);
    expect(get.stdout).not.toContain(secret.slice(6));
    const human = await w.cli(['callbacks', 'get', created['id']]);
    expect(human.stdout).toMatch(/signature scheme\s+standard-webhooks-v1/);

    const reveal = await w.cli(['callbacks', 'reveal-secret', created['id'], '--json']);
    expect(reveal.code, reveal.stderr).toBe(0);
    expect(json(reveal.stdout)['secrets'].map((s: { secret: string }) => s.secret)).toEqual([secret]);

    const rotate = await w.cli(['callbacks', 'rotate-secret', created['id'], '--overlap', '2h']);
    expect(rotate.code, rotate.stderr).toBe(0);
    expect(rotate.stdout).toMatch(/New secret \(shown this once/);
    expect(rotate.stdout).toMatch(/secret\s+whsec_/);
    expect(rotate.stdout).toMatch(/The previous secret key_\S+ signs too until \d{4}-/);
    const after = await w.cli(['callbacks', 'reveal-secret', created['id']]);
    expect(after.stdout.match(/whsec_/g)).toHaveLength(2);
  });

  it('switches a callback to RFC 9421 on update and prints its public key; refuses unknown schemes', async () => {
    const create = await w.cli([
      'callbacks',
      'create',
      '--account',
      '42',
      '--database',
      '7',
      '--url',
      'https://hooks.example.com/r',
      '--json',
    ]);
    const id = json(create.stdout)['id'] as string;
    expect(json(create.stdout)['revealedSecret']).toBeUndefined();
    const update = await w.cli(['callbacks', 'update', id, '--signature-scheme', 'rfc9421']);
    expect(update.code, update.stderr).toBe(0);
    expect(update.stdout).toMatch(/public key \(PEM\)\s+-----BEGIN PUBLIC KEY-----/);

    const bad = await w.cli(['callbacks', 'update', id, '--signature-scheme', 'md5']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--signature-scheme "md5": expected one of .*rfc9421/i);
    const none = await w.cli(['callbacks', 'rotate-secret', id, '--overlap', 'soon']);
    expect(none.code).toBe(2);
  });
});
