// The Python package's tests as a receiver would run them: a fresh venv in a temp folder, `pip
// install` of this folder with dnspython, then unittest against the installed package (the src/
// layout keeps the source tree off the import path). It gives the tests real deliveries: one
// signed by the dispatcher's signer, whose key a real DNS server on loopback publishes, and one
// Standard Webhooks v1 delivery signed by the reference package.
import { execFileSync, spawn } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Webhook } from 'standardwebhooks';
import { formatDkimRecord, KeyRing, SigningKey, signRequest } from '@callbacks/signature';
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
  const secret = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';
  const sentAt = new Date();
  const webhookHeaders = {
    'webhook-id': 'dlv_py1',
    'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign('dlv_py1', sentAt, body),
  };
  // v1a: ed25519 over the same content, made with node:crypto; the receiver holds the whpk_ key.
  const ed = generateKeyPairSync('ed25519');
  const content = Buffer.concat([Buffer.from(`dlv_py1.${webhookHeaders['webhook-timestamp']}.`), body]);
  const v1a = {
    // The raw 32-byte key is the end of its DER SubjectPublicKeyInfo.
    publicKey: `whpk_${ed.publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('base64')}`,
    headers: { ...webhookHeaders, 'webhook-signature': `v1a,${sign(null, content, ed.privateKey).toString('base64')}` },
  };
  const copernica = { method: 'POST', path: '/hooks/copernica?v=1', headers, keyId: key.keyId };
  const delivery = {
    bodyBase64: body.toString('base64'),
    copernica,
    standardWebhooks: { secret, headers: webhookHeaders, v1a },
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
