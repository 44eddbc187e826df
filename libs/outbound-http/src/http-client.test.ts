import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestDnsServer } from '@callbacks/testing';
import { AddressPolicy } from './address-policy';
import { DeliveryHttpClient, describeStatus, parseRetryAfter } from './http-client';

/** A receiver on 127.0.0.1 whose behaviour each test sets, recording what reached it. */
let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end('ok');
const received: string[] = [];
let server: Server;
let port: number;
let dns: TestDnsServer;

beforeAll(async () => {
  server = createServer((req, res) => {
    received.push(`${req.method} ${req.url}`);
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  dns = await TestDnsServer.start();
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await dns.close();
});

const body = Buffer.from('{"x":1}');
const send = (client: DeliveryHttpClient, url: string, timeoutMs = 5_000) =>
  client.send({ url: new URL(url), headers: { 'content-type': 'application/json' }, body, timeoutMs });

describe('DeliveryHttpClient', () => {
  const allowLoopback = () =>
    new DeliveryHttpClient({
      policy: new AddressPolicy(['127.0.0.1/32']),
      dnsServers: [dns.address],
      connectTimeoutMs: 1_000,
      excerptBytes: 16,
    });
  const strict = () =>
    new DeliveryHttpClient({
      policy: new AddressPolicy(),
      dnsServers: [dns.address],
      connectTimeoutMs: 1_000,
      excerptBytes: 16,
    });

  it('posts to an allowed receiver and keeps a capped excerpt of the answer', async () => {
    handler = (_req, res) => res.writeHead(201).end('x'.repeat(1000));
    const client = allowLoopback();
    const outcome = await send(client, `http://127.0.0.1:${port}/hook?a=1`);
    expect(outcome).toMatchObject({ kind: 'response', statusCode: 201, excerpt: 'x'.repeat(16) });
    expect(received.at(-1)).toBe('POST /hook?a=1');
    await client.close();
  });

  it('answers with the excerpt of a response too long to read to its end', async () => {
    handler = (_req, res) => res.writeHead(200).end('y'.repeat(256 * 1024));
    const client = allowLoopback();
    expect(await send(client, `http://127.0.0.1:${port}/big`)).toMatchObject({
      kind: 'response',
      statusCode: 200,
      excerpt: 'y'.repeat(16),
    });
    // The connection it gave up reading is not reused: the next request gets its answer whole.
    handler = (_req, res) => res.writeHead(202).end('next');
    expect(await send(client, `http://127.0.0.1:${port}/after`)).toMatchObject({
      kind: 'response',
      statusCode: 202,
      excerpt: 'next',
    });
    await client.close();
  });

  it('refuses a loopback IP literal unless allow-listed, without connecting', async () => {
    const before = received.length;
    const client = strict();
    const outcome = await send(client, `http://127.0.0.1:${port}/`);
    expect(outcome).toMatchObject({ kind: 'error', errorClass: 'blocked_address' });
    expect(received.length).toBe(before);
    await client.close();
  });

  it('refuses a host name that resolves to a private address', async () => {
    dns.publishAddresses('internal.test', ['10.1.2.3']);
    const client = strict();
    expect(await send(client, 'http://internal.test/')).toMatchObject({ kind: 'error', errorClass: 'blocked_address' });
    await client.close();
  });

  it('refuses a host with any non-public address among its answers', async () => {
    dns.publishAddresses('mixed.test', ['8.8.8.8', '127.0.0.1']);
    const client = strict();
    expect(await send(client, `http://mixed.test:${port}/`)).toMatchObject({
      kind: 'error',
      errorClass: 'blocked_address',
    });
    await client.close();
  });

  it('defeats DNS rebinding: the address checked is the address connected to', async () => {
    // Public the first time (a naive "resolve, check, then connect" passes its check), this
    // receiver's loopback address every time after.
    dns.publishAddresses('rebind.test', ['93.184.216.34'], ['127.0.0.1']);
    const before = received.length;
    const client = strict();
    const first = await send(client, `http://rebind.test:${port}/`, 2_000);
    const second = await send(client, `http://rebind.test:${port}/`, 2_000);
    expect(first.kind === 'error' ? first.errorClass : 'response').not.toBe('blocked_address');
    expect(second).toMatchObject({ kind: 'error', errorClass: 'blocked_address' });
    expect(received.length).toBe(before);
    await client.close();
  });

  it('does not follow a redirect, not even to an allowed address', async () => {
    handler = (_req, res) => res.writeHead(302, { location: `http://127.0.0.1:${port}/elsewhere` }).end();
    const client = allowLoopback();
    const before = received.length;
    expect(await send(client, `http://127.0.0.1:${port}/moved`)).toMatchObject({ kind: 'response', statusCode: 302 });
    expect(received.slice(before)).toEqual(['POST /moved']);
    await client.close();
  });

  it('gives up on a receiver that does not answer in time', async () => {
    handler = () => undefined; // never answers
    const client = allowLoopback();
    expect(await send(client, `http://127.0.0.1:${port}/slow`, 300)).toMatchObject({
      kind: 'error',
      errorClass: 'timeout',
    });
    await client.close();
  });

  it('classifies a refused connection and an unknown host', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const client = allowLoopback();
    expect(await send(client, `http://127.0.0.1:${closedPort}/`)).toMatchObject({
      kind: 'error',
      errorClass: 'connect_refused',
    });
    expect(await send(client, 'http://no-such-host.test/')).toMatchObject({ kind: 'error', errorClass: 'dns' });
    await client.close();
  });

  it('reads Retry-After as seconds or as an HTTP date', async () => {
    handler = (_req, res) => res.writeHead(429, { 'retry-after': '7' }).end();
    const client = allowLoopback();
    expect(await send(client, `http://127.0.0.1:${port}/busy`)).toMatchObject({ statusCode: 429, retryAfterMs: 7_000 });
    await client.close();
    const now = Date.parse('2026-11-29T10:00:00Z');
    expect(parseRetryAfter('Sun, 29 Nov 2026 10:01:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});

describe('describeStatus', () => {
  it('says nothing of a 2xx and names every other answer, redirects as not followed', () => {
    expect([200, 204, 299].map(describeStatus)).toEqual(['', '', '']);
    expect(describeStatus(301)).toBe('the receiver answered 301; redirects are not followed');
    expect(describeStatus(410)).toBe('the receiver answered 410 Gone');
    expect(describeStatus(500)).toBe('the receiver answered 500');
  });
});
