// The Python package's tests as a receiver would run them: a fresh venv in a temp folder, `pip
// install` of this folder with dnspython, then unittest against the installed package (the src/
// layout keeps the source tree off the import path). It gives the tests real deliveries: one
// signed by the dispatcher's signer, whose key a real DNS server on loopback publishes, and
// Standard Webhooks deliveries signed by the dispatcher's Standard Webhooks signer, which the
// tests also hand to PyPI's reference `standardwebhooks` package.
import { execFileSync, spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatDkimRecord, KeyRing, SigningKey, signRequest, signStandardWebhooks } from '@callbacks/signature';
import { TestDnsServer } from '@callbacks/testing';

const here = fileURLToPath(new URL('.', import.meta.url));
const python = process.env['PYTHON'] ?? 'python3';
const work = mkdtempSync(join(tmpdir(), 'callbacks-python-sdk-'));
const run = (command: string, args: string[]) => execFileSync(command, args, { stdio: 'inherit', cwd: here });

function writeDeliveries(file: string, key: SigningKey): void {
  const body = Buffer.from('{"id":"dlv_py1","type":"update","profile":"3456","fields":{"name":"Piët"}}');
  const url = 'https://receiver.test/hooks/copernica?v=1';
  const headers = signRequest(
    { url, contentType: 'application/json', body, accountId: '42' },
    { keyRing: new KeyRing([key]) },
  );
  const secretBytes = randomBytes(32);
  const secret = `whsec_${secretBytes.toString('base64')}`;
  const now = Math.floor(Date.now() / 1000);
  const hmacKey = { kind: 'hmac', secret: secretBytes } as const;
  const webhookHeaders = signStandardWebhooks({ id: 'dlv_py1', timestamp: now, body }, [hmacKey]);
  // Signed 10 minutes ago, correctly: refused for its age alone.
  const stale = signStandardWebhooks({ id: 'dlv_py1', timestamp: now - 600, body }, [hmacKey]);
  // After a rotation, with a new secret only: the rotated-away one must not verify it.
  const rotatedBytes = randomBytes(32);
  const rotated = {
    secret: `whsec_${rotatedBytes.toString('base64')}`,
    headers: signStandardWebhooks({ id: 'dlv_py1', timestamp: now, body }, [{ kind: 'hmac', secret: rotatedBytes }]),
  };
  // v1a: ed25519 over the same content; the receiver holds the whpk_ key.
  const ed = generateKeyPairSync('ed25519');
  const v1a = {
    // The raw 32-byte key is the end of its DER SubjectPublicKeyInfo.
    publicKey: `whpk_${ed.publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('base64')}`,
    headers: signStandardWebhooks({ id: 'dlv_py1', timestamp: now, body }, [
      { kind: 'ed25519', privateKey: ed.privateKey },
    ]),
  };
  const copernica = { method: 'POST', path: '/hooks/copernica?v=1', headers, keyId: key.keyId };
  const delivery = {
    bodyBase64: body.toString('base64'),
    copernica,
    standardWebhooks: { secret, headers: webhookHeaders, stale, rotated, v1a },
  };
  writeFileSync(file, JSON.stringify(delivery));
}

let dns: TestDnsServer | undefined;
let code: number | null = 1;
try {
  // System site packages: an installed `cryptography` is used as is, with no download.
  run(python, ['-m', 'venv', '--system-site-packages', join(work, 'venv')]);
  const venvPython = join(work, 'venv/bin/python');
  run(venvPython, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', `${here}[dns]`]);
  // The reference implementation from PyPI, which the tests check our deliveries against.
  run(venvPython, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', 'standardwebhooks==1.3.0']);

  const key = new SigningKey({
    selector: 'cb-python',
    domain: 'callbacks.test',
    validFrom: new Date('2000-01-01T00:00:00Z'),
    validUntil: new Date('2100-01-01T00:00:00Z'),
    privateKey: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey,
  });
  const delivery = join(work, 'delivery.json');
  writeDeliveries(delivery, key);
  dns = await TestDnsServer.start();
  dns.publish(key.keyId, formatDkimRecord(key.publicKey));

  // Not execFileSync: the DNS server in this process must keep answering while the tests run.
  const tests = spawn(
    venvPython,
    ['-m', 'unittest', 'discover', '-s', join(here, 'tests'), '-t', join(here, 'tests'), '-v'],
    // From the temp folder, so `import callbacks_signature` can only find the installed package.
    { cwd: work, stdio: 'inherit', env: { ...process.env, CALLBACKS_DELIVERY: delivery, CALLBACKS_DNS: dns.address } },
  );
  [code] = (await once(tests, 'exit')) as [number | null];
} finally {
  await dns?.close();
  rmSync(work, { recursive: true, force: true });
  rmSync(join(here, 'build'), { recursive: true, force: true });
}
process.exitCode = code ?? 1;
