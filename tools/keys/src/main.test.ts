import { execFile } from 'node:child_process';
import { createPrivateKey, sign, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { keyRingFromJson, parseDkimRecord } from '@callbacks/signature';
import { main } from './main';

const dir = mkdtempSync(join(tmpdir(), 'keys-tool-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
    cwd: dir,
    now: () => Date.parse('2025-07-01T12:34:56.789Z'),
  });
  return { code, stdout, stderr };
}

/** The JSON ring entry at the end of the output. */
const ringEntryOf = (stdout: string) => JSON.parse(stdout.slice(stdout.lastIndexOf('{'))) as Record<string, string>;

describe('keys generate', () => {
  it('writes a 0600 PEM and prints a TXT record and ring entry that belong to it', async () => {
    const { code, stdout } = await run(
      'generate',
      '--selector',
      'cb-2025-07',
      '--domain',
      'Callbacks.Example.com',
      '--out',
      'out',
    );
    expect(code).toBe(0);
    const file = join(dir, 'out', 'cb-2025-07._domainkey.callbacks.example.com.pem');
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const txt = /value: (v=DKIM1;k=rsa;p=\S+)/.exec(stdout)![1]!;
    const record = parseDkimRecord(txt);
    if (!record.ok) throw new Error(record.message);
    const privateKey = createPrivateKey(readFileSync(file, 'utf8'));
    expect(privateKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    const data = Buffer.from('signing string');
    expect(verify('sha256', data, record.publicKey, sign('sha256', data, privateKey))).toBe(true);

    expect(stdout).toContain('name:  cb-2025-07._domainkey.callbacks.example.com');
    expect(stdout).toMatch(
      /cb-2025-07\._domainkey\.callbacks\.example\.com\. 3600 IN TXT \( "v=DKIM1;k=rsa;p=[^"]{239}" "[^"]+" \)/,
    );
    expect(ringEntryOf(stdout)).toEqual({
      selector: 'cb-2025-07',
      domain: 'callbacks.example.com',
      validFrom: '2025-07-01T12:34:56.000Z',
      validUntil: '2025-08-05T12:34:56.000Z',
      privateKeyFile: file,
    });
  });

  it('prints a ring entry the signer loads as it is', async () => {
    const { stdout } = await run(
      'generate',
      '--selector',
      'cb-2025-08',
      '--domain',
      'callbacks.example.com',
      '--valid-from',
      '2025-08-01T00:00:00+02:00',
      '--valid-days',
      '31',
      '--bits',
      '3072',
      '--allow-padded-record',
    );
    const ring = keyRingFromJson(JSON.stringify({ keys: [ringEntryOf(stdout)] }), { origin: 'test', env: {} });
    const key = ring.current(Date.parse('2025-08-15T00:00:00Z'));
    expect(key.keyId).toBe('cb-2025-08._domainkey.callbacks.example.com');
    expect(key.publicKey.asymmetricKeyDetails?.modulusLength).toBe(3072);
    expect([key.validFrom.toISOString(), key.validUntil.toISOString()]).toEqual([
      '2025-07-31T22:00:00.000Z',
      '2025-08-31T22:00:00.000Z',
    ]);
  });

  it('adds each new key to a ring file that loads as it is, with the key file named relative to it', async () => {
    expect(
      (
        await run(
          'generate',
          '--selector',
          'ring-a',
          '--domain',
          'example.com',
          '--out',
          'ring',
          '--ring',
          'ring/ring.json',
        )
      ).code,
    ).toBe(0);
    expect(
      (
        await run(
          'generate',
          '--selector',
          'ring-b',
          '--domain',
          'example.com',
          '--out',
          'ring',
          '--ring',
          'ring/ring.json',
        )
      ).code,
    ).toBe(0);
    const text = readFileSync(join(dir, 'ring', 'ring.json'), 'utf8');
    expect(text).not.toContain(dir);
    const ring = keyRingFromJson(text, { origin: 'ring.json', env: {}, baseDir: join(dir, 'ring') });
    expect(ring.keys.map((k) => k.keyId).sort()).toEqual([
      'ring-a._domainkey.example.com',
      'ring-b._domainkey.example.com',
    ]);
    expect(readFileSync(join(dir, 'ring', 'ring-a._domainkey.example.com.zone'), 'utf8')).toMatch(
      /^ring-a\._domainkey\.example\.com\. 3600 IN TXT \( "v=DKIM1;k=rsa;p=/,
    );
  });

  it.each(['3072', '4096'])(
    'refuses a %s-bit key, whose record the original PHP library cannot read, and writes nothing',
    async (bits) => {
      const { code, stdout, stderr } = await run(
        'generate',
        '--selector',
        `padded-${bits}`,
        '--domain',
        'example.com',
        '--out',
        'padded',
        '--bits',
        bits,
      );
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toMatch(new RegExp(`refusing a ${bits}-bit key: its p= ends in base64 padding`));
      expect(stderr).toMatch(/--allow-padded-record/);
      expect(() => statSync(join(dir, 'padded'))).toThrow();
    },
  );

  it('warns loudly when a padded record is allowed', async () => {
    const { code, stderr } = await run(
      'generate',
      '--selector',
      'padded-ok',
      '--domain',
      'example.com',
      '--out',
      'padded-ok',
      '--bits',
      '4096',
      '--allow-padded-record',
    );
    expect(code).toBe(0);
    expect(stderr).toMatch(/WARNING: receivers built on the original product's PHP library cannot use this key/);
  });

  it('refuses to overwrite an existing key file', async () => {
    const args = ['generate', '--selector', 'once', '--domain', 'callbacks.example.com'];
    expect((await run(...args)).code).toBe(0);
    const again = await run(...args);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/the file exists/);
  });

  it.each([
    [[], /missing command/],
    [['rotate'], /unknown command: rotate/],
    [['generate', '--domain', 'callbacks.example.com'], /--selector is required/],
    [['generate', '--selector', 'cb'], /--domain is required/],
    [['generate', '--selector', 'cb 1', '--domain', 'callbacks.example.com'], /do not form a DNS name/],
    [['generate', '--selector', 'cb', '--domain', 'localhost'], /do not form a DNS name/],
    [
      ['generate', '--selector', 'cb', '--domain', 'callbacks.example.com', '--bits', '1024'],
      /--bits must be one of 2048, 3072, 4096/,
    ],
    [
      ['generate', '--selector', 'cb', '--domain', 'callbacks.example.com', '--valid-from', '2025-07-01'],
      /ISO 8601 time with a zone/,
    ],
    [['generate', '--selector', 'cb', '--domain', 'callbacks.example.com', '--valid-days', '0'], /--valid-days/],
    [['generate', '--selector', 'cb', '--domain', 'callbacks.example.com', '--colour'], /Unknown option '--colour'/],
  ])('exits 2 with the reason and the usage for %j', async (argv, message) => {
    const { code, stderr, stdout } = await run(...argv);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stderr).toContain('Usage: npm run keys -- generate');
    expect(stdout).toBe('');
  });

  it('runs as a program and exits with the code of its result', async () => {
    const cli = fileURLToPath(new URL('./cli.ts', import.meta.url));
    // Run from the package folder so that `--import tsx` resolves; INIT_CWD says where keys go.
    const cwd = fileURLToPath(new URL('..', import.meta.url));
    const failed = await promisify(execFile)(process.execPath, ['--import', 'tsx', cli, 'generate', '--bits', '512'], {
      cwd,
    }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed.code).toBe(2);
    expect(failed.stderr).toMatch(/--selector is required/);

    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', cli, 'generate', '--selector', 'proc', '--domain', 'callbacks.example.com'],
      {
        cwd,
        env: { ...process.env, INIT_CWD: dir },
      },
    );
    expect(stdout).toContain(`Private key written to ${join(dir, 'proc._domainkey.callbacks.example.com.pem')}`);
  });
});
