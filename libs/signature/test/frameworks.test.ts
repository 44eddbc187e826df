import { generateKeyPairSync, hash, randomBytes, sign } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import express from 'express';
import Fastify, { type FastifyInstance } from 'fastify';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createVerifier,
  fastifySignatureHooks,
  rejectionResponse,
  type Verifier,
  verifyFetchRequest,
  verifySignatureMiddleware,
} from '../src/index';

/**
 * Each framework adapter behind a real server of that framework, over real HTTP: Standard
 * Webhooks v1 signed by the reference package, RFC 9421 signed by hand with node:crypto.
 */
const BODY = '{"id":"dlv_9","type":"update","fields":{"name":"piet"}}';
const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const ed = generateKeyPairSync('ed25519');
const standardWebhooks = (): Verifier => createVerifier({ scheme: 'standard-webhooks', secret: SECRET });
const rfc9421 = (): Verifier => createVerifier({ scheme: 'rfc9421', keys: { 'cb-1': ed.publicKey } });

/** Starts one framework's app answering `{ keyId, name }` from the verified, parsed body; returns its origin. */
type Start = (verifier: Verifier, options?: { limitBytes: number }) => Promise<string>;
let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

async function listenNode(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  stop = () => new Promise((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const frameworks: Record<string, Start> = {
  express: (verifier, options) => {
    const app = express();
    app.post('/hook', verifySignatureMiddleware(verifier, options), (req, res) => {
      const { rawBody, signature } = req as unknown as { rawBody: Buffer; signature: { keyId: string } };
      res.json({ keyId: signature.keyId, name: JSON.parse(rawBody.toString()).fields.name });
    });
    return listenNode(createServer(app));
  },
  fastify: async (verifier, options) => {
    const app: FastifyInstance = Fastify();
    app.post('/hook', fastifySignatureHooks(verifier, options), async (request) => {
      // Fastify parsed the body as usual from the bytes the hooks kept.
      const body = request.body as { fields: { name: string } };
      return {
        keyId: (request as unknown as { signature: { keyId: string } }).signature.keyId,
        name: body.fields.name,
      };
    });
    stop = () => app.close();
    return app.listen({ port: 0, host: '127.0.0.1' });
  },
  'fetch-style': (verifier, options) => {
    // What Hono, Next.js and Workers hand a handler: a `Request`; the server here only converts.
    const handler = async (request: Request): Promise<Response> => {
      const verdict = await verifyFetchRequest(verifier, request, options);
      if (!verdict.ok) return rejectionResponse(verdict);
      const name = JSON.parse(verdict.delivery.rawBody.toString()).fields.name as string;
      return Response.json({ keyId: verdict.delivery.keyId, name });
    };
    return listenNode(
      createServer(async (req, res) => {
        const request = new Request(`http://${req.headers.host}${req.url}`, {
          method: req.method!,
          headers: req.headers as Record<string, string>,
          body: Readable.toWeb(req) as ReadableStream,
          duplex: 'half',
        } as RequestInit);
        const response = await handler(request);
        res.writeHead(response.status, Object.fromEntries(response.headers));
        res.end(Buffer.from(await response.arrayBuffer()));
      }),
    );
  },
};

function standardWebhooksHeaders(body: string): Record<string, string> {
  const id = 'dlv_9';
  const now = new Date();
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
    'webhook-signature': new Webhook(SECRET).sign(id, now, body),
  };
}

function rfc9421Headers(url: string, body: string): Record<string, string> {
  const digest = `sha-256=:${hash('sha256', body, 'base64')}:`;
  const params = `("@method" "@target-uri" "content-type" "content-digest");created=${Math.floor(Date.now() / 1000)};keyid="cb-1";alg="ed25519"`;
  const base = `"@method": POST\n"@target-uri": ${url}\n"content-type": application/json\n"content-digest": ${digest}\n"@signature-params": ${params}`;
  return {
    'content-type': 'application/json',
    'content-digest': digest,
    'signature-input': `sig1=${params}`,
    signature: `sig1=:${sign(null, Buffer.from(base), ed.privateKey).toString('base64')}:`,
  };
}

async function post(url: string, headers: Record<string, string>, body: string) {
  const response = await fetch(url, { method: 'POST', headers, body });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

describe.each(Object.entries(frameworks))('%s', (_name, start) => {
  it('hands the handler a verified Standard Webhooks delivery and refuses a tampered one', async () => {
    const origin = await start(standardWebhooks());
    expect(await post(`${origin}/hook`, standardWebhooksHeaders(BODY), BODY)).toEqual({
      status: 200,
      json: { keyId: 'v1', name: 'piet' },
    });
    const tampered = await post(`${origin}/hook`, standardWebhooksHeaders(BODY), BODY.replace('piet', 'jan!'));
    expect(tampered).toMatchObject({ status: 401, json: { reason: 'bad_signature' } });
  });

  it('verifies RFC 9421 over the URL it was reached at, and refuses a body that does not match its digest', async () => {
    const origin = await start(rfc9421());
    const url = `${origin}/hook`;
    expect(await post(url, rfc9421Headers(url, BODY), BODY)).toEqual({
      status: 200,
      json: { keyId: 'cb-1', name: 'piet' },
    });
    const tampered = await post(url, rfc9421Headers(url, BODY), BODY.replace('piet', 'jan!'));
    expect(tampered).toMatchObject({ status: 401, json: { reason: 'digest_mismatch' } });
  });

  it('answers 413 for a body over the limit, declared or chunked, and never hands it on', async () => {
    const origin = await start(standardWebhooks(), { limitBytes: 16 });
    const declared = await post(`${origin}/hook`, standardWebhooksHeaders(BODY), BODY);
    expect(declared).toMatchObject({ status: 413, json: { reason: 'body_too_large' } });
    // A stream body has no Content-Length: fetch sends it chunked.
    const chunked = await fetch(`${origin}/hook`, {
      method: 'POST',
      headers: standardWebhooksHeaders(BODY),
      body: Readable.toWeb(Readable.from([Buffer.from(BODY)])) as ReadableStream,
      duplex: 'half',
    } as RequestInit);
    expect([chunked.status, ((await chunked.json()) as { reason: string }).reason]).toEqual([413, 'body_too_large']);
  });

  it('answers a request without a signature with the missing header named', async () => {
    const origin = await start(standardWebhooks());
    const result = await post(`${origin}/hook`, { 'content-type': 'application/json' }, BODY);
    expect(result).toMatchObject({ status: 401, json: { reason: 'missing_header' } });
  });
});
