import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CallbackServiceClient, ListCallbacksRequest } from '@callbacks/proto/callbacks/v1/callback_service';
import { loadConfigServiceSettings } from '../src/config';
import { TOKENS, auth, call, callFails, startHarness, type Harness } from './harness';

const LIST = ListCallbacksRequest.fromPartial({ pageSize: 10 });

describe('the gRPC API over TLS', () => {
  let dir: string;
  let h: Harness;
  let tlsClient: CallbackServiceClient;

  beforeAll(async () => {
    // A certificate for 127.0.0.1, self-signed: it is its own CA.
    dir = mkdtempSync(join(tmpdir(), 'callbacks-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    h = await startHarness({
      mongoUrl: inject('mongoUrl'),
      natsUrl: inject('natsUrl'),
      env: { CONFIG_TLS_CERT_FILE: join(dir, 'cert.pem'), CONFIG_TLS_KEY_FILE: join(dir, 'key.pem') },
    });
    tlsClient = new CallbackServiceClient(h.address, credentials.createSsl(readFileSync(join(dir, 'cert.pem'))));
  });
  afterAll(async () => {
    tlsClient?.close();
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers a client that trusts its certificate, and no plain-text client', async () => {
    const listed = await call(tlsClient.listCallbacks.bind(tlsClient), LIST, auth(TOKENS.admin));
    expect(listed.callbacks).toEqual([]);
    const plain = await callFails(h.client.listCallbacks.bind(h.client), LIST, auth(TOKENS.admin));
    expect(plain.code).toBe(status.UNAVAILABLE);
  });

  it('refuses to start with a certificate and no key, or a file that is not PEM', () => {
    const base = { MONGO_URL: 'mongodb://127.0.0.1:1', NATS_URL: 'nats://127.0.0.1:1', CONFIG_TOKENS: JSON.stringify([{ name: 'admin', sha256: 'a'.repeat(64), accounts: '*' }]) };
    writeFileSync(join(dir, 'notes.txt'), 'not a key');
    expect(() => loadConfigServiceSettings({ ...base, CONFIG_TLS_CERT_FILE: join(dir, 'cert.pem') })).toThrow(/give both \(TLS\) or neither/);
    expect(() => loadConfigServiceSettings({ ...base, CONFIG_TLS_CERT_FILE: join(dir, 'cert.pem'), CONFIG_TLS_KEY_FILE: join(dir, 'notes.txt') })).toThrow(
      /CONFIG_TLS_KEY_FILE: the file holds no PEM block/,
    );
  });
});
