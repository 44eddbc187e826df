import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Action } from '@callbacks/proto/callbacks/events/v1/profile_event';
import type { Callback } from '@callbacks/proto/callbacks/v1/callback';
import type { TestCallbackRequest, TestCallbackResponse } from '@callbacks/proto/callbacks/v1/callback_service';
import { type Condition, FieldComparison, RuleMode } from '@callbacks/proto/callbacks/v1/condition';
import { createVerifier, formatDkimRecord } from '@callbacks/signature';
import { fieldCondition, sampleEvent } from '@callbacks/testing';
import { auth, call, callFails, type Harness, sampleCallback, startHarness, TOKENS, violatedFields } from './harness';

const A = auth(TOKENS.accountA);
const B = auth(TOKENS.accountB);

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const KEYS = {
  SIGNING_KEY_RING: JSON.stringify({
    keys: [
      {
        selector: 'test-2026',
        domain: 'callbacks.example.com',
        validFrom: new Date(Date.now() - 86_400_000).toISOString(),
        validUntil: new Date(Date.now() + 86_400_000).toISOString(),
        privateKeyEnv: 'SIGNING_KEY_TEST',
      },
    ],
  }),
  SIGNING_KEY_TEST: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
};

/** A receiver on 127.0.0.1 that records what arrives and answers as told. */
interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}
let receiver: Server;
let receiverUrl: string;
let received: Received[] = [];
let answer = { status: 202, body: 'accepted' };

let h: Harness;
beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(answer.status).end(answer.body);
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/profile?source=crm`;
  h = await startHarness({
    mongoUrl: inject('mongoUrl'),
    natsUrl: inject('natsUrl'),
    env: { ...KEYS, CONFIG_ALLOW_HTTP_URLS: 'true', CONFIG_ALLOW_CIDRS: '127.0.0.1/32' },
  });
});
afterAll(async () => {
  await h?.close();
  await new Promise((resolve) => receiver?.close(resolve));
});

const verifier = createVerifier({
  accountId: 'acct-a',
  allowedDomains: ['callbacks.example.com'],
  resolver: { resolveTxt: () => Promise.resolve([[formatDkimRecord(publicKey)]]) },
});

const pietOrAmsterdam: Condition = {
  rules: [
    {
      name: 'piet',
      mode: RuleMode.INCLUDE,
      disabled: false,
      conditions: [fieldCondition('name', FieldComparison.EQUALS, 'piet')],
    },
    {
      name: 'no test profiles',
      mode: RuleMode.EXCLUDE,
      disabled: false,
      conditions: [fieldCondition('email', FieldComparison.ENDS_WITH, '@test.invalid')],
    },
  ],
  expression: 'profile.fields.city == "Amsterdam"',
};

async function createCallback(overrides: Partial<Callback> = {}): Promise<Callback> {
  const { callback } = await call(
    h.client.createCallback.bind(h.client),
    { callback: sampleCallback({ url: receiverUrl, ...overrides }) },
    A,
  );
  return callback!;
}

function test(request: Partial<TestCallbackRequest>, metadata = A, harness = h): Promise<TestCallbackResponse> {
  return call(
    harness.client.testCallback.bind(harness.client),
    { target: undefined, event: sampleEvent(), send: false, ...request },
    metadata,
  );
}

function testFails(request: Partial<TestCallbackRequest>, metadata = A, harness = h) {
  return callFails(
    harness.client.testCallback.bind(harness.client),
    { target: undefined, event: sampleEvent(), send: false, ...request },
    metadata,
  );
}

function headersOf(response: TestCallbackResponse): Record<string, string> {
  return Object.fromEntries(response.headers.map(({ name, value }) => [name.toLowerCase(), value]));
}

describe('TestCallback', () => {
  it('explains a matching event per rule, and shows the signed request it would send', async () => {
    const callback = await createCallback({ condition: pietOrAmsterdam });
    const event = sampleEvent({ fields: { name: 'piet', city: 'Amsterdam', email: 'piet@example.com' } });
    const response = await test({ target: { $case: 'callbackId', value: callback.id }, event });

    expect(response.matched).toBe(true);
    expect(response.reason).toBe(
      'matches: scope, state, action and trigger allow it, and the condition fires: rules[0] "piet" holds and no excluding rule holds, and the expression is true',
    );
    expect(response.rules).toEqual([
      { index: 0, name: 'piet', excluding: false, disabled: false, held: true, failedCondition: -1, failure: '' },
      {
        index: 1,
        name: 'no test profiles',
        excluding: true,
        disabled: false,
        held: false,
        failedCondition: 0,
        failure: expect.stringContaining('email'),
      },
    ]);
    expect(response.expressionResult).toBe(true);
    expect(response.sent).toBeUndefined();

    const payload = JSON.parse(response.body) as {
      id: string;
      type: string;
      profile: string;
      fields: Record<string, string>;
    };
    expect(payload).toMatchObject({ type: 'update', profile: event.profileId, fields: event.fields });
    expect(payload.id).toMatch(/^dl_test_[0-9a-f]{24}$/);
    const headers = headersOf(response);
    expect(headers).toMatchObject({
      'content-type': 'application/json',
      'x-copernica-id': 'account_acct-a',
      'idempotency-key': payload.id,
    });
    expect(headers['signature']).toContain('keyId="test-2026._domainkey.callbacks.example.com",algorithm="rsa-sha256"');
    // The original product's name for the algorithm, lower case: its PHP library refuses `SHA-256=`.
    expect(headers['digest']).toMatch(/^sha-256=[A-Za-z0-9+/]{43}=$/);
    const verified = await verifier.verify({
      method: 'POST',
      path: '/hooks/profile?source=crm',
      headers,
      body: Buffer.from(response.body),
    });
    expect(verified).toEqual({ ok: true, keyId: 'test-2026._domainkey.callbacks.example.com' });

    // A test is not a delivery: nothing is recorded.
    const log = await call(
      h.client.listDeliveries.bind(h.client),
      { callbackId: callback.id, state: 0, startTime: undefined, endTime: undefined, pageSize: 0, pageToken: '' },
      A,
    );
    expect(log.deliveries).toEqual([]);
  });

  it('explains a non-matching event per rule and check, and sends nothing even when asked', async () => {
    const callback = await createCallback({ condition: pietOrAmsterdam });
    const before = received.length;
    const response = await test({
      target: { $case: 'callbackId', value: callback.id },
      event: sampleEvent({
        action: Action.DELETE,
        fields: { name: 'klaas', city: 'Utrecht', email: 'klaas@test.invalid' },
      }),
      send: true,
    });

    expect(response.matched).toBe(false);
    expect(response.reason).toBe(
      "does not match: the event's action ACTION_DELETE is not one of ACTION_UPDATE; the condition does not fire: no including rule holds",
    );
    expect(response.rules.map((r) => [r.name, r.held, r.failedCondition])).toEqual([
      ['piet', false, 0],
      ['no test profiles', true, -1],
    ]);
    expect(response.rules[0]!.failure).toMatch(/name/);
    expect(response.expressionResult).toBe(false);
    expect(response.body).not.toBe('');
    expect(response.sent).toBeUndefined();
    expect(received.length).toBe(before);
  });

  it('sends the request once when asked, exactly as shown, and reports the attempt', async () => {
    const callback = await createCallback();
    received = [];
    answer = { status: 202, body: 'accepted' };
    const response = await test({ target: { $case: 'callbackId', value: callback.id }, send: true });

    expect(response.sent).toMatchObject({
      number: 1,
      statusCode: 202,
      errorClass: '',
      errorMessage: '',
      responseExcerpt: 'accepted',
    });
    expect(response.sent!.startTime).toBeInstanceOf(Date);
    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request!.body.toString('utf8')).toBe(response.body);
    for (const [name, value] of Object.entries(headersOf(response))) expect(request!.headers[name]).toBe(value);
    expect(request!.headers['digest']).toMatch(/^sha-256=/);
    expect(
      await verifier.verify({ method: 'POST', path: request!.path, headers: request!.headers, body: request!.body }),
    ).toMatchObject({ ok: true });

    answer = { status: 500, body: 'database down' };
    const failed = await test({ target: { $case: 'callbackId', value: callback.id }, send: true });
    expect(failed.sent).toMatchObject({
      statusCode: 500,
      errorClass: 'http_status',
      errorMessage: 'the receiver answered 500',
      responseExcerpt: 'database down',
    });
  });

  it('tests an unsaved callback, validated as on create', async () => {
    const response = await test({ target: { $case: 'callback', value: sampleCallback({ url: receiverUrl }) } });
    expect(response.matched).toBe(true);

    const invalid = await testFails({
      target: { $case: 'callback', value: sampleCallback({ url: 'ftp://example.com' }) },
      event: undefined,
    });
    expect(invalid.code).toBe(status.INVALID_ARGUMENT);
    expect(violatedFields(invalid).sort()).toEqual(['callback.url', 'event']);
    const badEvent = await testFails({
      target: { $case: 'callback', value: sampleCallback() },
      event: sampleEvent({ eventId: '' }),
    });
    expect(violatedFields(badEvent)).toEqual(['event.event_id']);
    expect(violatedFields(await testFails({ target: undefined }))).toEqual(['callback_id']);
  });

  it("keeps to the caller's accounts", async () => {
    const callback = await createCallback();
    expect((await testFails({ target: { $case: 'callbackId', value: callback.id } }, B)).code).toBe(status.NOT_FOUND);
    expect((await testFails({ target: { $case: 'callback', value: sampleCallback() } }, B)).code).toBe(
      status.PERMISSION_DENIED,
    );
  });

  it('without a signing key, says what to configure (and the service runs without one)', async () => {
    const keyless = await startHarness({
      mongoUrl: inject('mongoUrl'),
      natsUrl: inject('natsUrl'),
      database: h.database,
    });
    try {
      const refused = await testFails({ target: { $case: 'callback', value: sampleCallback() } }, A, keyless);
      expect(refused.code).toBe(status.FAILED_PRECONDITION);
      expect(refused.details).toMatch(/SIGNING_KEY_RING or SIGNING_KEY_RING_FILE/);
    } finally {
      await keyless.close();
    }
  });
});
