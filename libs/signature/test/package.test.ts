import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type IncomingMessage, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestDnsServer } from '@callbacks/testing';
import { formatDkimRecord, KeyRing, type SigningKey, signRequest } from '../src/index';
import { newSigningKey } from './support/keys';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

/**
 * What a receiver does: `npm install` the packed tarball into an empty folder and run a plain
 * JavaScript server with `node` (no TypeScript, no tsx), which verifies deliveries signed by this
 * repository's signer with the key fetched from a real DNS server.
 */
const RECEIVER = `
import { createServer } from 'node:http';
import { createDnsResolver, createVerifier, withSignatureVerification } from '@callbacks/signature';

const copernica = createVerifier({
  accountId: '42',
  allowedDomains: ['callbacks.test'],
  resolver: createDnsResolver({ servers: [process.env.DNS_SERVER] }),
});
const standardWebhooks = createVerifier({ scheme: 'standard-webhooks', secret: process.env.WEBHOOK_SECRET });
const answer = (_req, res, { rawBody, keyId }) => {
  const event = JSON.parse(rawBody.toString('utf8'));
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keyId, profile: event.profile }));
};
const routes = {
  '/copernica': withSignatureVerification(copernica, answer),
  '/standard-webhooks': withSignatureVerification(standardWebhooks, answer),
};
const server = createServer((req, res) => routes[req.url](req, res));
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
`;

describe('the packed library, installed from its tarball into an empty folder', () => {
  let folder: string;
  let dns: TestDnsServer;
  let key: SigningKey;
  let receiver: ChildProcess;
  let origin: string;

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'signature-package-'));
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: join(ROOT, 'libs/signature'), stdio: 'ignore' });
    const [packed] = JSON.parse(
      execFileSync('npm', ['pack', join(ROOT, 'dist/libs/signature'), '--json', '--pack-destination', folder], {
        encoding: 'utf8',
      }),
    ) as { filename: string }[];
    const app = join(folder, 'app');
    execFileSync('mkdir', [app]);
    // An empty folder, as a receiver starts; the package has no dependencies, so no registry is needed.
    execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', join(folder, packed!.filename)], {
      cwd: app,
      stdio: 'ignore',
    });
    writeFileSync(join(app, 'receiver.mjs'), RECEIVER);

    dns = await TestDnsServer.start();
    key = await newSigningKey({ selector: 'cb-2026-03', domain: 'callbacks.test' });
    dns.publish(key.keyId, formatDkimRecord(key.publicKey));
    receiver = spawn(process.execPath, ['receiver.mjs'], {
      cwd: app,
      env: { PATH: process.env['PATH'], DNS_SERVER: dns.address, WEBHOOK_SECRET: SECRET },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const [line] = (await once(receiver.stdout!, 'data')) as [Buffer];
    origin = `http://127.0.0.1:${(JSON.parse(line.toString()) as { port: number }).port}`;
  }, 120_000);

  afterAll(async () => {
    receiver?.kill();
    await dns?.close();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  const BODY = Buffer.from('{"id":"dlv_4","type":"update","profile":"3456","fields":{"name":"piet"}}');

  /** node:http, because fetch refuses to send the signed `Host` and `Content-Length` as given. */
  async function post(path: string, headers: Record<string, string>, body = BODY) {
    const req = request(`${origin}${path}`, { method: 'POST', headers });
    req.end(body);
    const [res] = (await once(req, 'response')) as [IncomingMessage];
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    return { status: res.statusCode, json: JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown> };
  }

  it('verifies a delivery signed by the dispatcher’s signer, and refuses it tampered', async () => {
    const headers = signRequest(
      { url: `${origin}/copernica`, contentType: 'application/json', body: BODY, accountId: '42' },
      { keyRing: new KeyRing([key]) },
    );
    expect(await post('/copernica', { ...headers })).toEqual({
      status: 200,
      json: { keyId: key.keyId, profile: '3456' },
    });
    const tampered = Buffer.from(BODY.toString().replace('piet', 'jan!'));
    expect(await post('/copernica', { ...headers }, tampered)).toMatchObject({
      status: 401,
      json: { reason: 'digest_mismatch' },
    });
  });

  it('verifies a Standard Webhooks delivery, and refuses it signed with another secret', async () => {
    const sign = (secret: string) => ({
      'content-type': 'application/json',
      'webhook-id': 'dlv_4',
      'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
      'webhook-signature': new Webhook(secret).sign('dlv_4', new Date(), BODY),
    });
    expect(await post('/standard-webhooks', sign(SECRET))).toEqual({
      status: 200,
      json: { keyId: 'v1', profile: '3456' },
    });
    expect(await post('/standard-webhooks', sign('whsec_b3RoZXIgc2VjcmV0IG9mIGVub3VnaCBieXRlcw=='))).toMatchObject({
      status: 401,
      json: { reason: 'bad_signature' },
    });
  });

  it('loads with require() too, and its declarations type-check a TypeScript receiver (nodenext)', () => {
    const app = join(folder, 'app');
    const loaded = execFileSync(
      process.execPath,
      [
        '-e',
        "const s = require('@callbacks/signature'); console.log(Object.keys(s).filter((k) => /erif/.test(k)).sort().join(' '))",
      ],
      { cwd: app, encoding: 'utf8' },
    );
    expect(loaded.trim()).toBe(
      'createCopernicaVerifier createRfc9421Verifier createStandardWebhooksVerifier createVerifier verifyFetchRequest verifySignatureMiddleware withSignatureVerification',
    );
    writeFileSync(
      join(app, 'receiver.ts'),
      `import { createVerifier, type VerificationResult } from '@callbacks/signature';
const verifier = createVerifier({ scheme: 'rfc9421', keys: { k: 'x' } });
export const result: Promise<VerificationResult> = verifier.verify({ method: 'POST', path: '/', headers: {}, body: new Uint8Array() });
// @ts-expect-error: a scheme the library does not have
createVerifier({ scheme: 'hmac' });
`,
    );
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          typeRoots: [join(ROOT, 'node_modules/@types')],
          types: ['node'],
        },
        files: ['receiver.ts'],
      }),
    );
    // Throws with tsc's diagnostics when the declarations do not resolve or do not type-check.
    execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', app], { encoding: 'utf8' });
  }, 60_000);
});
