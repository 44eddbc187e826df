import { once } from 'node:events';
import {
  createServer,
  type IncomingMessage,
  request as httpRequest,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  BodyAlreadyReadError,
  createVerifier,
  formatDkimRecord,
  KeyRing,
  type SignedHeaders,
  type SignedIncomingMessage,
  type SigningKey,
  signRequest,
  type TxtResolver,
  type Verifier,
  verifySignatureMiddleware,
  withSignatureVerification,
} from '../src/index';
import { newSigningKey } from './support/keys';

const BODY = Buffer.from('{"id":"dlv_3","type":"create","fields":{"name":"piet"}}');
const PATH = '/hooks/callback?x=1';

let key: SigningKey;
let server: Server | undefined;

beforeAll(async () => {
  key = await newSigningKey({ selector: 'cb', domain: 'callbacks.test' });
});
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

/** Keys from memory: this file is about the HTTP plumbing; DNS has its own round-trip test. */
const resolverWith = (records: Record<string, string>): TxtResolver => ({
  resolveTxt: async (name) => {
    if (name === 'fail._domainkey.callbacks.test')
      throw Object.assign(new Error('queryTxt ESERVFAIL'), { code: 'ESERVFAIL' });
    return records[name] ? [[records[name]!]] : [];
  },
});
const verifier = (): Verifier =>
  createVerifier({
    accountId: '42',
    allowedDomains: ['callbacks.test'],
    resolver: resolverWith({ [key.keyId]: formatDkimRecord(key.publicKey) }),
  });

async function listen(handler: RequestListener): Promise<number> {
  server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

function signedFor(port: number, body = BODY): SignedHeaders {
  return signRequest(
    { url: `http://127.0.0.1:${port}${PATH}`, contentType: 'application/json', body, accountId: '42' },
    { keyRing: new KeyRing([key]) },
  );
}

async function post(
  port: number,
  headers: Record<string, string>,
  body: Buffer,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const req = httpRequest({ host: '127.0.0.1', port, path: PATH, method: 'POST', headers });
  req.end(body);
  const [res] = (await once(req, 'response')) as [IncomingMessage];
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return {
    status: res.statusCode!,
    json: JSON.parse(Buffer.concat(chunks).toString() || '{}') as Record<string, unknown>,
  };
}

const echo = (res: ServerResponse, value: unknown, status = 200) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
};

describe('withSignatureVerification (plain http server)', () => {
  it('runs the handler with the verified raw body and key id', async () => {
    const port = await listen(
      withSignatureVerification(verifier(), (_req, res, delivery) =>
        echo(res, { body: delivery.rawBody.toString(), keyId: delivery.keyId }),
      ),
    );
    const result = await post(port, { ...signedFor(port) }, BODY);
    expect(result).toEqual({ status: 200, json: { body: BODY.toString(), keyId: key.keyId } });
  });

  it('answers 401 with the reason and never runs the handler for a tampered body', async () => {
    let ran = false;
    const port = await listen(withSignatureVerification(verifier(), (_req, res) => ((ran = true), echo(res, {}))));
    const tampered = Buffer.from(BODY.toString().replace('piet', 'jan!'));
    const result = await post(port, { ...signedFor(port) }, tampered);
    expect(result.status).toBe(401);
    expect(result.json).toMatchObject({ reason: 'digest_mismatch' });
    expect(ran).toBe(false);
  });

  it('answers 413 for a body over the limit, declared or chunked', async () => {
    const port = await listen(withSignatureVerification(verifier(), (_req, res) => echo(res, {}), { limitBytes: 16 }));
    const declared = await post(port, { ...signedFor(port) }, BODY);
    const { 'Content-Length': _omitted, ...chunkedHeaders } = signedFor(port);
    const chunked = await post(port, { ...chunkedHeaders, 'Transfer-Encoding': 'chunked' }, BODY);
    expect([declared.status, declared.json['reason']]).toEqual([413, 'body_too_large']);
    expect([chunked.status, chunked.json['reason']]).toEqual([413, 'body_too_large']);
  });

  it('sees a repeated signed header on the wire as a duplicate', async () => {
    const port = await listen(withSignatureVerification(verifier(), (_req, res) => echo(res, {})));
    const headers = signedFor(port);
    const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
    const socket = connect(port, '127.0.0.1');
    socket.end(
      [`POST ${PATH} HTTP/1.1`, ...lines, 'Date: Tue, 03 Jun 2025 10:15:30 GMT', 'Connection: close', '', ''].join(
        '\r\n',
      ) + BODY.toString(),
    );
    const chunks: Buffer[] = [];
    for await (const chunk of socket) chunks.push(chunk as Buffer);
    const response = Buffer.concat(chunks).toString();
    expect(response).toMatch(/^HTTP\/1\.1 401/);
    expect(response).toContain('"reason":"duplicate_header"');
  });

  it('answers 503 when the key cannot be looked up, so the sender retries later', async () => {
    const failing = await newSigningKey({ selector: 'fail', domain: 'callbacks.test' });
    const port = await listen(withSignatureVerification(verifier(), (_req, res) => echo(res, {})));
    const headers = signRequest(
      { url: `http://127.0.0.1:${port}${PATH}`, contentType: 'application/json', body: BODY, accountId: '42' },
      { keyRing: new KeyRing([failing]) },
    );
    const result = await post(port, { ...headers }, BODY);
    expect([result.status, result.json['reason']]).toEqual([503, 'key_lookup_failed']);
  });

  it('answers 500 and reports the error when the handler throws', async () => {
    const reported: unknown[] = [];
    const port = await listen(
      withSignatureVerification(
        verifier(),
        () => {
          throw new Error('handler bug');
        },
        { onError: (error) => reported.push(error) },
      ),
    );
    const result = await post(port, { ...signedFor(port) }, BODY);
    expect(result.status).toBe(500);
    expect(reported).toEqual([expect.objectContaining({ message: 'handler bug' })]);
  });
});

describe('verifySignatureMiddleware (Express-style)', () => {
  /** The smallest Express-like chain: middleware, then the route, errors to a 500. */
  const chain =
    (
      ...steps: ((req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void)[]
    ): RequestListener =>
    (req, res) => {
      const run = (index: number) => (error?: unknown) => {
        if (error) return echo(res, { error: (error as Error).name }, 500);
        steps[index]?.(req, res, run(index + 1));
      };
      run(0)();
    };

  it('calls next with req.rawBody and req.signature set', async () => {
    const port = await listen(
      chain(verifySignatureMiddleware(verifier()), (req, res) => {
        const signed = req as SignedIncomingMessage;
        echo(res, { body: signed.rawBody.toString(), keyId: signed.signature.keyId });
      }),
    );
    const result = await post(port, { ...signedFor(port) }, BODY);
    expect(result).toEqual({ status: 200, json: { body: BODY.toString(), keyId: key.keyId } });
  });

  it('answers 401 with the reason for a request signed for another account', async () => {
    const port = await listen(chain(verifySignatureMiddleware(verifier()), (_req, res) => echo(res, {})));
    const headers = signRequest(
      { url: `http://127.0.0.1:${port}${PATH}`, contentType: 'application/json', body: BODY, accountId: '43' },
      { keyRing: new KeyRing([key]) },
    );
    const result = await post(port, { ...headers }, BODY);
    expect([result.status, result.json['reason']]).toEqual([401, 'wrong_account']);
  });

  it('uses a raw body kept by an earlier parser', async () => {
    const keepRawBody = (req: IncomingMessage, _res: ServerResponse, next: (error?: unknown) => void) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        Object.assign(req, { rawBody: Buffer.concat(chunks) });
        next();
      });
    };
    const port = await listen(
      chain(keepRawBody, verifySignatureMiddleware(verifier()), (req, res) =>
        echo(res, { keyId: (req as SignedIncomingMessage).signature.keyId }),
      ),
    );
    const result = await post(port, { ...signedFor(port) }, BODY);
    expect(result).toEqual({ status: 200, json: { keyId: key.keyId } });
  });

  it('passes an error to next when the body was consumed and not kept', async () => {
    const consume = (req: IncomingMessage, _res: ServerResponse, next: (error?: unknown) => void) => {
      req.resume();
      req.on('end', () => next());
    };
    const port = await listen(chain(consume, verifySignatureMiddleware(verifier()), (_req, res) => echo(res, {})));
    const result = await post(port, { ...signedFor(port) }, BODY);
    expect(result).toEqual({ status: 500, json: { error: new BodyAlreadyReadError().name } });
  });
});
