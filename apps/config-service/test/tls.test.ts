import { writeFileSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { dirname, join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type CallbackServiceClient, ListCallbacksRequest } from '@callbacks/proto/callbacks/v1/callback_service';
import { callbackClient, selfSignedCertificate, type TestCertificate } from '@callbacks/testing';
import { loadConfigServiceSettings } from '../src/config';
import { auth, call, callFails, type Harness, startHarness, TOKENS } from './harness';

const LIST = ListCallbacksRequest.fromPartial({ pageSize: 10 });

describe('the gRPC API over TLS', () => {
  let certificate: TestCertificate;
  let h: Harness;
  let tlsClient: CallbackServiceClient;

  beforeAll(async () => {
    certificate = selfSignedCertificate();
    h = await startHarness({
      mongoUrl: inject('mongoUrl'),
      natsUrl: inject('natsUrl'),
      env: { CONFIG_TLS_CERT_FILE: certificate.certFile, CONFIG_TLS_KEY_FILE: certificate.keyFile },
    });
    tlsClient = callbackClient(h.address, certificate.certPem);
  });
  afterAll(async () => {
    tlsClient?.close();
    await h?.close();
    certificate?.remove();
  });

  it('answers a client that trusts its certificate, and no plain-text client', async () => {
    const listed = await call(tlsClient.listCallbacks.bind(tlsClient), LIST, auth(TOKENS.admin));
    expect(listed.callbacks).toEqual([]);
    const plain = await callFails(h.client.listCallbacks.bind(h.client), LIST, auth(TOKENS.admin));
    expect(plain.code).toBe(status.UNAVAILABLE);
  });

  it('serves the HTTP/JSON API over TLS with the same certificate, and nothing in plain text', async () => {
    expect(h.httpUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = httpsGet(
        `${h.httpUrl}/v1/callbacks`,
        { ca: certificate.certPem, headers: { authorization: `Bearer ${TOKENS.admin}` } },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
          );
        },
      );
      request.on('error', reject);
    });
    expect(answer).toMatchObject({ status: 200 });
    expect(JSON.parse(answer.body)).toMatchObject({ callbacks: [], nextPageToken: '' });
    await expect(fetch(h.httpUrl.replace('https:', 'http:') + '/v1/callbacks')).rejects.toThrow();
  });

  it('refuses to start with a certificate and no key, or a file that is not PEM', () => {
    const base = {
      MONGO_URL: 'mongodb://127.0.0.1:1',
      NATS_URL: 'nats://127.0.0.1:1',
      CONFIG_TOKENS: JSON.stringify([{ name: 'admin', sha256: 'a'.repeat(64), accounts: '*' }]),
    };
    const notPem = join(dirname(certificate.certFile), 'notes.txt');
    writeFileSync(notPem, 'not a key');
    expect(() => loadConfigServiceSettings({ ...base, CONFIG_TLS_CERT_FILE: certificate.certFile })).toThrow(
      /give both \(TLS\) or neither/,
    );
    expect(() =>
      loadConfigServiceSettings({ ...base, CONFIG_TLS_CERT_FILE: certificate.certFile, CONFIG_TLS_KEY_FILE: notPem }),
    ).toThrow(/CONFIG_TLS_KEY_FILE: the file holds no PEM block/);
  });
});
