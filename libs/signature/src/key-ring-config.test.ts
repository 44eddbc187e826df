import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { KeyRingConfigError } from './errors';
import { keyRingFromJson, loadKeyRing } from './key-ring-config';

const pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
  type: 'pkcs8',
  format: 'pem',
}) as string;
const secretFragment = pem.split('\n')[5]!;
const dir = mkdtempSync(join(tmpdir(), 'key-ring-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const entry = (overrides: Record<string, unknown>) => ({
  selector: 'cb-2025-06',
  domain: 'callbacks.test',
  validFrom: '2025-06-01T00:00:00Z',
  validUntil: '2025-07-06T00:00:00Z',
  ...overrides,
});
const ring = (...entries: unknown[]) => JSON.stringify({ keys: entries });

/** Asserts a KeyRingConfigError whose message names `names` and carries no key material. */
function expectConfigError(load: () => unknown, ...names: string[]) {
  let caught: unknown;
  try {
    load();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(KeyRingConfigError);
  const shown = inspect(caught, { depth: 10 });
  for (const name of names) expect(shown).toContain(name);
  expect(shown).not.toContain(secretFragment);
  expect(shown).not.toContain('PRIVATE KEY');
}

describe('loading the key ring', () => {
  it('loads inline JSON from SIGNING_KEY_RING with the PEM in the named variable', () => {
    const env = { SIGNING_KEY_RING: ring(entry({ privateKeyEnv: 'SIGNING_KEY_JUNE' })), SIGNING_KEY_JUNE: pem };
    const loaded = loadKeyRing({ env });
    expect(loaded.keys.map((k) => k.keyId)).toEqual(['cb-2025-06._domainkey.callbacks.test']);
    expect(loaded.current(Date.parse('2025-06-10T00:00:00Z')).validUntil.toISOString()).toBe(
      '2025-07-06T00:00:00.000Z',
    );
  });

  it('loads a ring file from SIGNING_KEY_RING_FILE, with key files relative to it', () => {
    writeFileSync(join(dir, 'june.pem'), pem, { mode: 0o600 });
    writeFileSync(
      join(dir, 'ring.json'),
      ring(
        entry({ privateKeyFile: 'june.pem' }),
        entry({
          selector: 'cb-2025-07',
          validFrom: '2025-07-01T00:00:00+02:00',
          privateKeyFile: join(dir, 'june.pem'),
        }),
      ),
    );
    const loaded = loadKeyRing({ env: { SIGNING_KEY_RING_FILE: join(dir, 'ring.json') } });
    expect(loaded.keys.map((k) => k.selector)).toEqual(['cb-2025-07', 'cb-2025-06']);
  });

  it('explains what to set when nothing is configured', () => {
    expectConfigError(() => loadKeyRing({ env: {} }), 'SIGNING_KEY_RING', 'SIGNING_KEY_RING_FILE');
  });

  it('does not echo the JSON when it does not parse (a pasted PEM must not reach a log)', () => {
    expectConfigError(
      () => loadKeyRing({ env: { SIGNING_KEY_RING: `{"keys": [${JSON.stringify(pem)}` } }),
      'SIGNING_KEY_RING is not valid JSON',
    );
  });

  it.each([
    ['no keys array', { keys: 'none' }, ['expected an object with a "keys" array']],
    [
      'both key sources',
      { keys: [entry({ privateKeyEnv: 'A', privateKeyFile: 'b.pem' })] },
      ['keys[0]', 'exactly one of privateKeyFile and privateKeyEnv'],
    ],
    ['no key source', { keys: [entry({})] }, ['keys[0]', 'exactly one']],
    ['a missing selector', { keys: [entry({ selector: undefined, privateKeyEnv: 'K' })] }, ['keys[0].selector']],
    [
      'a time without zone',
      { keys: [entry({ validFrom: '2025-06-01 00:00', privateKeyEnv: 'K' })] },
      ['cb-2025-06', 'validFrom', 'ISO 8601'],
    ],
    [
      'an unset key variable',
      { keys: [entry({ privateKeyEnv: 'SIGNING_KEY_UNSET' })] },
      ['cb-2025-06', 'SIGNING_KEY_UNSET is not set'],
    ],
    [
      'a missing key file',
      { keys: [entry({ privateKeyFile: '/nonexistent/june.pem' })] },
      ['cb-2025-06', '/nonexistent/june.pem', 'ENOENT'],
    ],
    [
      'a key variable that holds no PEM',
      { keys: [entry({ privateKeyEnv: 'K' })] },
      ['cb-2025-06', 'variable K', 'not a PEM private key'],
    ],
    ['a bad domain', { keys: [entry({ domain: 'not a domain', privateKeyEnv: 'PEM' })] }, ['cb-2025-06', 'domain']],
  ])('names the culprit for %s, without key material', (_name, config, names) => {
    expectConfigError(
      () => keyRingFromJson(JSON.stringify(config), { origin: 'ring.json', env: { K: 'garbage', PEM: pem } }),
      'ring.json',
      ...names,
    );
  });

  it('does not leak a truncated PEM through the parse error', () => {
    expectConfigError(
      () =>
        keyRingFromJson(ring(entry({ privateKeyEnv: 'K' })), {
          origin: 'SIGNING_KEY_RING',
          env: { K: pem.slice(0, pem.length / 2) },
        }),
      'variable K',
    );
  });
});
