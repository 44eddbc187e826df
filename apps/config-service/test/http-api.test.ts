import { generateKeyPairSync } from 'node:crypto';
import { toBinary } from '@bufbuild/protobuf';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Callback } from '@callbacks/proto/callbacks/v1/callback';
import {
  CreateCallbackResponse,
  DeleteCallbackResponse,
  GetCallbackResponse,
  GetDeliveryResponse,
  GetDeliveryStatsResponse,
  ListCallbacksResponse,
  ListDeliveriesResponse,
  ReplayDeliveriesResponse,
  RevealCallbackSecretResponse,
  type RevealedSecret,
  RotateCallbackSecretResponse,
  StatsInterval,
  TestCallbackResponse,
  UpdateCallbackResponse,
} from '@callbacks/proto/callbacks/v1/callback_service';
import { messageDesc, readJson } from '@callbacks/proto/proto-json';
import { sampleEvent } from '@callbacks/testing';
import { A, attemptResult, type DeliveryWorld, startDeliveryWorld } from './delivery-world';
import { call, callFails, TOKENS } from './harness';
import { OpenApiDocument } from './openapi';

/**
 * The HTTP/JSON API against the real service (in-process, on its own nats-server and the shared
 * MongoDB-wire server), through a plain HTTP client (fetch). Every answer, success or error, is
 * checked against the generated OpenAPI document.
 */

const openapi = await OpenApiDocument.load();
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
/** A signing key, so that TestCallback answers with a signed request. */
const KEYS = {
  SIGNING_KEY_RING: JSON.stringify({
    keys: [
      {
        selector: 'http-2026',
        domain: 'callbacks.example.com',
        validFrom: new Date(Date.now() - 86_400_000).toISOString(),
        validUntil: new Date(Date.now() + 86_400_000).toISOString(),
        privateKeyEnv: 'SIGNING_KEY_HTTP_TEST',
      },
    ],
  }),
  SIGNING_KEY_HTTP_TEST: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
};

let w: DeliveryWorld;
beforeAll(async () => {
  w = await startDeliveryWorld(inject('mongoUrl'), KEYS);
});
afterAll(async () => {
  await w?.close();
});

interface Answer {
  status: number;
  headers: Headers;
  json: Record<string, unknown>;
}

interface Options {
  /** Bearer token; null: no authorization header. */
  token?: string | null;
  /** An object is sent as JSON; a string or bytes as they are. */
  body?: unknown;
  headers?: Record<string, string>;
}

/** One request, its answer checked against the OpenAPI document. */
async function http(method: string, path: string, options: Options = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  const token = options.token === undefined ? TOKENS.accountA : options.token;
  if (token !== null) headers['authorization'] ??= `Bearer ${token}`;
  let body: string | Uint8Array | undefined;
  if (options.body !== undefined) {
    body =
      typeof options.body === 'string' || options.body instanceof Uint8Array
        ? options.body
        : JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(`${w.h.httpUrl}${path}`, { method, headers, body });
  expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
  const json = (await response.json()) as Record<string, unknown>;
  const problems = openapi.check(method, path.split('?')[0] ?? path, response.status, json);
  expect(problems.join('; '), `${method} ${path} → ${response.status} ${JSON.stringify(json)}`).toBe('');
  return { status: response.status, headers: response.headers, json };
}

/** The document's operations answered with 200 so far, to show that every route is called. */
const answered = new Set<string>();

async function ok(method: string, path: string, options: Options = {}): Promise<Answer> {
  const answer = await http(method, path, options);
  expect(answer.status, JSON.stringify(answer.json)).toBe(200);
  const operationId = openapi.operation(method, path.split('?')[0] ?? path)?.operationId;
  if (operationId !== undefined) answered.add(operationId);
  return answer;
}

interface FieldViolation {
  field: string;
  description: string;
  reason: string;
}

function violations(answer: Answer): FieldViolation[] {
  const details = (answer.json['details'] ?? []) as { '@type': string; fieldViolations?: FieldViolation[] }[];
  return details
    .filter((d) => d['@type'] === 'type.googleapis.com/google.rpc.BadRequest')
    .flatMap((d) => d.fieldViolations ?? []);
}

const newCallback = (overrides: Record<string, unknown> = {}) => ({
  accountId: 'acct-a',
  databaseId: 'db-1',
  url: 'https://hooks.example.com/profile',
  format: 'FORMAT_JSON',
  actions: ['ACTION_UPDATE'],
  triggers: ['ORIGIN_PUBLISHER'],
  labels: { team: 'crm' },
  ...overrides,
});

type CallbackJson = Record<string, unknown> & { id: string; revision: string };

async function create(overrides: Record<string, unknown> = {}, token: string = TOKENS.accountA): Promise<CallbackJson> {
  const { json } = await ok('POST', '/v1/callbacks', { body: newCallback(overrides), token });
  return json['callback'] as CallbackJson;
}

/** A dead delivery of the callback in the delivery log, recorded as the dispatcher reports it. */
async function deadDelivery(callback: CallbackJson): Promise<string> {
  const { callback: saved } = await call(w.h.client.getCallback.bind(w.h.client), { id: callback.id }, A);
  const result = attemptResult(saved as Callback, sampleEvent());
  await w.publishResult(result);
  await w.recorded();
  return result.deliveryId;
}

/** Statistics are kept per whole minute: the last ten minutes and the next one. */
function statsWindow(): { startTime: Date; endTime: Date; query: string } {
  const minute = Math.floor(Date.now() / 60_000) * 60_000;
  const startTime = new Date(minute - 10 * 60_000);
  const endTime = new Date(minute + 2 * 60_000);
  return { startTime, endTime, query: `startTime=${startTime.toISOString()}&endTime=${endTime.toISOString()}` };
}

describe('every route, through a plain HTTP client', () => {
  it('creates, reads, lists, updates, tests and deletes a callback; lists, reads and replays its deliveries', async () => {
    const created = await ok('POST', '/v1/callbacks', {
      body: newCallback({ description: 'city changes', signatureScheme: 'SIGNATURE_SCHEME_STANDARD_WEBHOOKS_V1' }),
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    const callback = created.json['callback'] as CallbackJson;
    expect(callback).toMatchObject({
      accountId: 'acct-a',
      state: 'CALLBACK_STATE_ACTIVE',
      revision: '1',
      description: 'city changes',
      signatureScheme: 'SIGNATURE_SCHEME_STANDARD_WEBHOOKS_V1',
    });
    const firstSecret = (created.json['secret'] as { secret: string }).secret;
    expect(firstSecret).toMatch(/^whsec_/);
    expect(callback.id).toMatch(/^cb_[0-9A-Z]{26}$/);
    expect(created.headers.get('etag')).toBe('"1"');

    const read = await ok('GET', `/v1/callbacks/${callback.id}`);
    expect(read.json['callback']).toEqual(callback);
    expect(read.headers.get('etag')).toBe('"1"');

    const listed = await ok(
      'GET',
      '/v1/callbacks?accountId=acct-a&databaseId=db-1&state=CALLBACK_STATE_ACTIVE&pageSize=1000',
    );
    expect((listed.json['callbacks'] as CallbackJson[]).map((c) => c.id)).toContain(callback.id);
    expect(listed.json['nextPageToken']).toBe('');
    const labelled = await ok('GET', '/v1/callbacks?accountId=acct-a&labels[team]=crm&labels[tier]=none');
    expect(labelled.json['callbacks']).toEqual([]);
    const byLabel = await ok('GET', `/v1/callbacks?accountId=acct-a&labels%5Bteam%5D=crm&pageSize=1000`);
    expect((byLabel.json['callbacks'] as CallbackJson[]).map((c) => c.id)).toContain(callback.id);

    const updated = await ok('PATCH', `/v1/callbacks/${callback.id}?updateMask=url,deliveryPolicy.timeout`, {
      body: { url: 'https://hooks.example.com/v2', deliveryPolicy: { timeout: '7s' } },
      headers: { 'if-match': '"1"' },
    });
    expect(updated.json['callback']).toMatchObject({
      url: 'https://hooks.example.com/v2',
      deliveryPolicy: { timeout: '7s' },
      revision: '2',
    });
    expect(updated.headers.get('etag')).toBe('"2"');

    const event = {
      eventId: 'evt-http-1',
      accountId: 'acct-a',
      databaseId: 'db-1',
      profileId: 'p-1',
      action: 'ACTION_UPDATE',
      origin: 'ORIGIN_PUBLISHER',
      occurredAt: new Date().toISOString(),
      fields: { city: 'Amsterdam' },
    };
    const saved = await ok('POST', `/v1/callbacks/${callback.id}:test`, { body: { event } });
    expect(saved.json).toMatchObject({ matched: true, expressionResult: true });
    const unsaved = await ok('POST', '/v1/callbacks:test', {
      body: { callback: newCallback({ actions: ['ACTION_DELETE'] }), event },
    });
    expect(unsaved.json).toMatchObject({ matched: false });
    expect(unsaved.json['reason']).toMatch(/action/i);

    const deliveryId = await deadDelivery(callback);
    const deliveries = await ok('GET', `/v1/deliveries?callbackId=${callback.id}&state=DELIVERY_STATE_DEAD`);
    expect((deliveries.json['deliveries'] as { id: string }[]).map((d) => d.id)).toEqual([deliveryId]);
    const nested = await ok('GET', `/v1/callbacks/${callback.id}/deliveries`);
    expect(nested.json['deliveries']).toEqual(deliveries.json['deliveries']);
    const delivery = await ok('GET', `/v1/deliveries/${deliveryId}`);
    expect(delivery.json['delivery']).toMatchObject({
      id: deliveryId,
      callbackId: callback.id,
      state: 'DELIVERY_STATE_DEAD',
    });
    const replayed = await ok('POST', '/v1/deliveries:replay', {
      body: { deliveryIds: [deliveryId], requestId: 'http-replay-1' },
    });
    const [replayId] = replayed.json['deliveryIds'] as string[];
    expect(replayId).toMatch(/^dl_/);
    expect(replayId).not.toBe(deliveryId);

    const window = statsWindow();
    const stats = await ok('GET', `/v1/callbacks/${callback.id}/stats?${window.query}&interval=STATS_INTERVAL_MINUTE`);
    expect(stats.json).toMatchObject({
      startTime: window.startTime.toISOString().replace('.000Z', 'Z'),
      interval: 'STATS_INTERVAL_MINUTE',
      totals: { succeeded: '0', retrying: '0', dead: '1' },
      failureRate: 1,
    });
    expect(stats.json['buckets']).toHaveLength(12);
    const accountStats = await ok('GET', `/v1/deliveries:stats?accountId=acct-a&${window.query}`);
    expect(Number((accountStats.json['totals'] as Record<string, string>)['dead'])).toBeGreaterThanOrEqual(1);

    const rotated = await ok('POST', `/v1/callbacks/${callback.id}:rotateSecret`, {
      body: { overlap: '3600s' },
      headers: { 'if-match': '"2"' },
    });
    expect(rotated.json['callback']).toMatchObject({ id: callback.id, revision: '3' });
    expect(rotated.headers.get('etag')).toBe('"3"');
    const rotatedSecret = (rotated.json['secret'] as { secret: string }).secret;
    expect(rotatedSecret).toMatch(/^whsec_/);
    expect(rotatedSecret).not.toBe(firstSecret);
    const revealed = await ok('POST', `/v1/callbacks/${callback.id}:revealSecret`, { body: {} });
    expect(revealed.json['signatureScheme']).toBe('SIGNATURE_SCHEME_STANDARD_WEBHOOKS_V1');
    // The new secret first, then the previous one, still signing for the hour of overlap.
    expect((revealed.json['secrets'] as { secret: string }[]).map((s) => s.secret)).toEqual([
      rotatedSecret,
      firstSecret,
    ]);

    const deleted = await ok('DELETE', `/v1/callbacks/${callback.id}`, { headers: { 'if-match': '"3"' } });
    expect(deleted.json).toEqual({});
    expect((await http('GET', `/v1/callbacks/${callback.id}`)).status).toBe(404);

    expect(openapi.operationIds().filter((id) => !answered.has(id))).toEqual([]);
  });
});

describe('ordering', () => {
  it('is ORDERING_NONE unless asked, set on create, changed by an update naming it', async () => {
    expect(await create()).toMatchObject({ ordering: 'ORDERING_NONE' });
    const ordered = await create({ ordering: 'ORDERING_PER_PROFILE' });
    expect(ordered).toMatchObject({ ordering: 'ORDERING_PER_PROFILE' });
    expect((await ok('GET', `/v1/callbacks/${ordered.id}`)).json['callback']).toMatchObject({
      ordering: 'ORDERING_PER_PROFILE',
    });
    const updated = await ok('PATCH', `/v1/callbacks/${ordered.id}?updateMask=ordering`, {
      body: { ordering: 'ORDERING_NONE' },
    });
    expect(updated.json['callback']).toMatchObject({ ordering: 'ORDERING_NONE', revision: '2' });
  });
});

describe('the same data as gRPC', () => {
  it('answers the same callbacks, pages, deliveries and test results', async () => {
    const callback = await create({ description: 'both ways', labels: { team: 'crm', tier: 'gold' } });
    const deliveryId = await deadDelivery(callback);

    const grpcGet = await call(w.h.client.getCallback.bind(w.h.client), { id: callback.id }, A);
    expect(
      fromHttp(
        GetCallbackResponse,
        'callbacks.v1.GetCallbackResponse',
        (await ok('GET', `/v1/callbacks/${callback.id}`)).json,
      ),
    ).toEqual(grpcGet);

    const filters = {
      accountId: 'acct-a',
      databaseId: 'db-1',
      collectionId: '',
      state: 0,
      labels: {},
      pageSize: 2,
      pageToken: '',
    };
    const grpcList = await call(w.h.client.listCallbacks.bind(w.h.client), filters, A);
    const httpList = fromHttp(
      ListCallbacksResponse,
      'callbacks.v1.ListCallbacksResponse',
      (await ok('GET', '/v1/callbacks?accountId=acct-a&databaseId=db-1&pageSize=2')).json,
    );
    expect(httpList).toEqual(grpcList);
    // The page token works across transports: it is the same token.
    const grpcNext = await call(
      w.h.client.listCallbacks.bind(w.h.client),
      { ...filters, pageToken: httpList.nextPageToken },
      A,
    );
    const httpNext = (
      await ok(
        'GET',
        `/v1/callbacks?accountId=acct-a&databaseId=db-1&pageSize=2&pageToken=${encodeURIComponent(grpcList.nextPageToken)}`,
      )
    ).json;
    expect(fromHttp(ListCallbacksResponse, 'callbacks.v1.ListCallbacksResponse', httpNext)).toEqual(grpcNext);

    const grpcDelivery = await call(w.h.client.getDelivery.bind(w.h.client), { id: deliveryId }, A);
    expect(
      fromHttp(
        GetDeliveryResponse,
        'callbacks.v1.GetDeliveryResponse',
        (await ok('GET', `/v1/deliveries/${deliveryId}`)).json,
      ),
    ).toEqual(grpcDelivery);
    const grpcDeliveries = await call(
      w.h.client.listDeliveries.bind(w.h.client),
      { callbackId: callback.id, state: 0, startTime: undefined, endTime: undefined, pageSize: 0, pageToken: '' },
      A,
    );
    expect(
      fromHttp(
        ListDeliveriesResponse,
        'callbacks.v1.ListDeliveriesResponse',
        (await ok('GET', `/v1/deliveries?callbackId=${callback.id}`)).json,
      ),
    ).toEqual(grpcDeliveries);

    // The same test: the same match and explanation (the signed request differs by its Date and nonce).
    const event = sampleEvent({ fields: { city: 'Amsterdam' } });
    const grpcTest = await call(
      w.h.client.testCallback.bind(w.h.client),
      { target: { $case: 'callbackId', value: callback.id }, event, send: false },
      A,
    );
    const httpTest = fromHttp(
      TestCallbackResponse,
      'callbacks.v1.TestCallbackResponse',
      (await ok('POST', `/v1/callbacks/${callback.id}:test`, { body: { event: eventJson(event) } })).json,
    );
    expect(httpTest).toMatchObject({
      matched: grpcTest.matched,
      reason: grpcTest.reason,
      rules: grpcTest.rules,
      expressionResult: grpcTest.expressionResult,
    });
    // Each test renders with a delivery id of its own (dl_test_…) and the time it ran.
    const payload = (body: string) => {
      const { type, origin, database, profile, fields, parameters, previous } = JSON.parse(body) as Record<
        string,
        unknown
      >;
      return { type, origin, database, profile, fields, parameters, previous };
    };
    expect(payload(httpTest.body)).toEqual(payload(grpcTest.body));
    expect(httpTest.headers.map((h) => h.name)).toEqual(grpcTest.headers.map((h) => h.name));
  });
  it('answers the same creates, updates, secrets, replays, statistics and deletes', async () => {
    const grpc = w.h.client;
    // The same callback, created once each way.
    const input = newCallback({ description: 'twins', signatureScheme: 'SIGNATURE_SCHEME_STANDARD_WEBHOOKS_V1' });
    const grpcCreated = await call(
      grpc.createCallback.bind(grpc),
      { callback: fromHttp(Callback, 'callbacks.v1.Callback', input) },
      A,
    );
    const httpCreated = fromHttp(
      CreateCallbackResponse,
      'callbacks.v1.CreateCallbackResponse',
      (await ok('POST', '/v1/callbacks', { body: input })).json,
    );
    expect(sameFields(httpCreated.callback)).toEqual(sameFields(grpcCreated.callback));
    expect(secretShape(httpCreated.secret)).toEqual(secretShape(grpcCreated.secret));
    const [byGrpc, byHttp] = [grpcCreated.callback!, httpCreated.callback!];

    // The same update of each.
    const change = { url: 'https://hooks.example.com/twins', description: 'twins, updated' };
    const grpcUpdated = await call(
      grpc.updateCallback.bind(grpc),
      {
        callback: fromHttp(Callback, 'callbacks.v1.Callback', { id: byGrpc.id, ...change }),
        updateMask: ['url', 'description'],
        expectedRevision: 1,
      },
      A,
    );
    const httpUpdated = fromHttp(
      UpdateCallbackResponse,
      'callbacks.v1.UpdateCallbackResponse',
      (await ok('PATCH', `/v1/callbacks/${byHttp.id}?updateMask=url,description&expectedRevision=1`, { body: change }))
        .json,
    );
    expect(sameFields(httpUpdated.callback)).toEqual(sameFields(grpcUpdated.callback));
    expect(httpUpdated.secret).toEqual(grpcUpdated.secret); // none: the scheme did not change

    // The same rotation of each; then one callback's secrets revealed both ways are the same secrets.
    const grpcRotated = await call(
      grpc.rotateCallbackSecret.bind(grpc),
      { id: byGrpc.id, overlap: { seconds: 600, nanos: 0 }, expectedRevision: 2 },
      A,
    );
    const httpRotated = fromHttp(
      RotateCallbackSecretResponse,
      'callbacks.v1.RotateCallbackSecretResponse',
      (
        await ok('POST', `/v1/callbacks/${byHttp.id}:rotateSecret`, {
          body: { overlap: '600s', expectedRevision: '2' },
        })
      ).json,
    );
    expect(sameFields(httpRotated.callback)).toEqual(sameFields(grpcRotated.callback));
    expect(secretShape(httpRotated.secret)).toEqual(secretShape(grpcRotated.secret));
    const grpcRevealed = await call(grpc.revealCallbackSecret.bind(grpc), { id: byHttp.id }, A);
    const httpRevealed = fromHttp(
      RevealCallbackSecretResponse,
      'callbacks.v1.RevealCallbackSecretResponse',
      (await ok('POST', `/v1/callbacks/${byHttp.id}:revealSecret`, { body: {} })).json,
    );
    expect(httpRevealed).toEqual(grpcRevealed);
    expect(grpcRevealed.secrets.map((s) => s.secret)).toEqual([httpRotated.secret!.secret, httpCreated.secret!.secret]);

    // A replay with the same request id is the same replay: the same new delivery ids either way.
    const deliveryId = await deadDelivery(byHttp as unknown as CallbackJson);
    const replay = { deliveryIds: [deliveryId], requestId: 'same-both-ways' };
    const grpcReplayed = await call(
      grpc.replayDeliveries.bind(grpc),
      { ...replay, callbackId: '', states: [], startTime: undefined, endTime: undefined },
      A,
    );
    const httpReplayed = fromHttp(
      ReplayDeliveriesResponse,
      'callbacks.v1.ReplayDeliveriesResponse',
      (await ok('POST', '/v1/deliveries:replay', { body: replay })).json,
    );
    expect(httpReplayed).toEqual(grpcReplayed);
    expect(grpcReplayed.deliveryIds).toHaveLength(1);

    // The same statistics, of the callback and of the account.
    const window = statsWindow();
    for (const [callbackId, path] of [
      [byHttp.id, `/v1/callbacks/${byHttp.id}/stats?${window.query}`],
      ['', `/v1/deliveries:stats?accountId=acct-a&${window.query}`],
    ] as const) {
      const grpcStats = await call(
        grpc.getDeliveryStats.bind(grpc),
        {
          callbackId,
          accountId: callbackId ? '' : 'acct-a',
          startTime: window.startTime,
          endTime: window.endTime,
          interval: StatsInterval.UNSPECIFIED,
        },
        A,
      );
      const httpStats = fromHttp(
        GetDeliveryStatsResponse,
        'callbacks.v1.GetDeliveryStatsResponse',
        (await ok('GET', path)).json,
      );
      expect(httpStats).toEqual(grpcStats);
      expect(grpcStats.totals?.dead).toBeGreaterThanOrEqual(1);
    }

    // Deleted both ways; then not found both ways, with the same code and message.
    const grpcDeleted = await call(grpc.deleteCallback.bind(grpc), { id: byGrpc.id, expectedRevision: 3 }, A);
    const httpDeleted = fromHttp(
      DeleteCallbackResponse,
      'callbacks.v1.DeleteCallbackResponse',
      (await ok('DELETE', `/v1/callbacks/${byHttp.id}?expectedRevision=3`)).json,
    );
    expect(httpDeleted).toEqual(grpcDeleted);
    const grpcGone = await callFails(grpc.getCallback.bind(grpc), { id: byHttp.id }, A);
    const httpGone = await http('GET', `/v1/callbacks/${byHttp.id}`);
    expect(httpGone.status).toBe(404);
    expect(httpGone.json).toEqual({ code: grpcGone.code, message: grpcGone.details, details: [] });
  });
});

/** What two callbacks made from the same input share: all but their ids, times and secrets' key ids. */
function sameFields(callback: Callback | undefined): unknown {
  expect(callback).toBeDefined();
  const { id, createTime, updateTime, stateChangeTime, secretRotateTime, secrets, ...rest } = callback!;
  return {
    ...rest,
    id: id.slice(0, 3),
    times: [createTime, updateTime, stateChangeTime, secretRotateTime].map((t) => t !== undefined),
    secrets: secrets.map((s) => ({
      ...s,
      keyId: s.keyId !== '',
      createTime: true,
      expireTime: s.expireTime !== undefined,
    })),
  };
}

/** A secret is made afresh each time: its kind and which fields it has are what can be the same. */
function secretShape(secret: RevealedSecret | undefined): unknown {
  expect(secret).toBeDefined();
  return {
    prefix: secret!.secret.split('_')[0],
    length: secret!.secret.length,
    keyId: secret!.keyId !== '',
    publicKey: secret!.publicKey,
    publicKeyPem: secret!.publicKeyPem,
    createTime: secret!.createTime !== undefined,
    expireTime: secret!.expireTime !== undefined,
  };
}

/** An HTTP answer read by the proto3 JSON spec (not ts-proto's lenient fromJSON) into the gRPC client's types. */
function fromHttp<T>(type: { decode(bytes: Uint8Array): T }, typeName: string, json: unknown): T {
  const desc = messageDesc(typeName);
  return type.decode(toBinary(desc, readJson(desc, json)));
}

function eventJson(event: ReturnType<typeof sampleEvent>): unknown {
  return JSON.parse(JSON.stringify({ ...event, occurredAt: event.occurredAt?.toISOString() }, (_k, v: unknown) => v));
}

describe('bad requests', () => {
  let id: string;
  beforeAll(async () => {
    id = (await create()).id;
  });

  // [what, method, path, status, options, field path of a violation (undefined: none to check)]
  const cases: [string, string, string, number, Options, string?][] = [
    ['a body that is not JSON', 'POST', '/v1/callbacks', 400, { body: '{"url": ' }, ''],
    [
      'a body that is not UTF-8',
      'POST',
      '/v1/callbacks',
      400,
      { body: Buffer.from('{"description":"\xff"}', 'latin1') },
      '',
    ],
    ['a JSON array for a message', 'POST', '/v1/callbacks:test', 400, { body: '[]' }, ''],
    ['an unknown field', 'POST', '/v1/callbacks', 400, { body: newCallback({ colour: 'red' }) }, 'callback.colour'],
    ['a number for a string', 'POST', '/v1/callbacks', 400, { body: newCallback({ url: 42 }) }, 'callback.url'],
    [
      'a string for a list',
      'POST',
      '/v1/callbacks',
      400,
      { body: newCallback({ actions: 'ACTION_UPDATE' }) },
      'callback.actions',
    ],
    [
      'an unknown enum name in a list',
      'POST',
      '/v1/callbacks',
      400,
      { body: newCallback({ actions: ['ACTION_UPDATE', 'ACTION_MAYBE'] }) },
      'callback.actions[1]',
    ],
    [
      'a number for a label value',
      'POST',
      '/v1/callbacks',
      400,
      { body: newCallback({ labels: { team: 7 } }) },
      'callback.labels.team',
    ],
    [
      'a malformed duration',
      'POST',
      '/v1/callbacks',
      400,
      { body: newCallback({ deliveryPolicy: { timeout: 'soon' } }) },
      'callback.delivery_policy.timeout',
    ],
    [
      'a deep wrong type',
      'POST',
      '/v1/callbacks',
      400,
      {
        body: newCallback({
          condition: { rules: [{ conditions: [{ field: { field: 'city', comparison: 'LIKE' } }] }] },
        }),
      },
      'callback.condition.rules[0].conditions[0].field.comparison',
    ],
    [
      'a lone surrogate',
      'POST',
      '/v1/callbacks',
      400,
      { body: '{"accountId":"acct-a","description":"\\ud800"}' },
      'callback.description',
    ],
    [
      'an invalid URL (validation)',
      'POST',
      '/v1/callbacks',
      400,
      { body: newCallback({ url: 'ftp://example.com' }) },
      'callback.url',
    ],
    [
      'a condition that does not compile',
      'POST',
      '/v1/callbacks',
      400,
      { body: newCallback({ condition: { expression: 'profile.fields.city ==' } }) },
      'callback.condition.expression',
    ],
    ['a bad page size', 'GET', '/v1/callbacks?pageSize=many', 400, {}, 'page_size'],
    ['an unknown query parameter', 'GET', '/v1/callbacks?colour=red', 400, {}, 'colour'],
    ['a query parameter given twice', 'GET', '/v1/callbacks?pageSize=1&pageSize=2', 400, {}, 'page_size'],
    ['a map as a whole in the query', 'GET', '/v1/callbacks?labels=team', 400, {}, 'labels'],
    ['a map entry of the wrong type', 'GET', '/v1/callbacks?pageSize[x]=1', 400, {}, 'pageSize[x]'],
    ['a bad time in the query', 'GET', '/v1/deliveries?startTime=yesterday', 400, {}, 'start_time'],
    [
      'an unknown field in the mask',
      'PATCH',
      '/v1/callbacks/ID?updateMask=colour',
      400,
      { body: { url: 'https://hooks.example.com/x' } },
      'update_mask.paths[0]',
    ],
    ['a mask in .proto case', 'PATCH', '/v1/callbacks/ID?updateMask=delivery_policy', 400, { body: {} }, 'update_mask'],
    [
      'a body field in the query',
      'PATCH',
      '/v1/callbacks/ID?callback.url=https://x.example.com&updateMask=url',
      400,
      { body: {} },
      'callback.url',
    ],
    [
      'a path id that differs from the body',
      'PATCH',
      '/v1/callbacks/ID?updateMask=url',
      400,
      { body: { id: 'cb_other', url: 'https://hooks.example.com/x' } },
      'callback.id',
    ],
    ['a bad callback id', 'GET', '/v1/callbacks/not%20an%20id', 400, {}, 'id'],
    ['a bad delivery id', 'GET', '/v1/deliveries/%2E%2E%2Fetc', 400, {}, 'id'],
    ['a body on a method without one', 'DELETE', '/v1/callbacks/ID', 400, { body: { expectedRevision: '1' } }, ''],
    [
      'a query on a body-only method',
      'POST',
      '/v1/deliveries:replay?requestId=x',
      400,
      { body: { deliveryIds: ['dl_x'] } },
      'requestId',
    ],
    ['a weak If-Match', 'DELETE', '/v1/callbacks/ID', 400, { headers: { 'if-match': 'W/"1"' } }, 'If-Match'],
    [
      'If-Match where there is no revision',
      'GET',
      '/v1/callbacks/ID',
      400,
      { headers: { 'if-match': '"1"' } },
      'If-Match',
    ],
    ['no token', 'GET', '/v1/callbacks', 401, { token: null }],
    ['an unknown token', 'GET', '/v1/callbacks', 401, { token: 'not-a-token' }],
    [
      'not a bearer token',
      'GET',
      '/v1/callbacks',
      401,
      { token: null, headers: { authorization: 'Basic dXNlcjpwYXNz' } },
    ],
    ["naming another account's database", 'GET', '/v1/callbacks?accountId=acct-b', 403, {}],
    ['creating in another account', 'POST', '/v1/callbacks', 403, { body: newCallback({ accountId: 'acct-b' }) }],
    ['an unknown callback', 'GET', '/v1/callbacks/cb_01ARZ3NDEKTSV4RRFFQ69G5FAV', 404, {}],
    ['an unknown route', 'GET', '/v1/profiles', 404, {}],
    ['an unknown route, 8 KiB long', 'GET', `/v1/${'x'.repeat(8_000)}`, 404, {}],
    ['an unknown verb', 'POST', '/v1/callbacks/ID:explode', 404, { body: {} }],
    ['a wrong method', 'PUT', '/v1/callbacks/ID', 405, { body: {} }],
    [
      'a body over the limit',
      'POST',
      '/v1/callbacks',
      413,
      { body: JSON.stringify({ description: 'x'.repeat(1_100_000) }) },
    ],
    [
      'a body that is not JSON by its type',
      'POST',
      '/v1/callbacks',
      415,
      { body: 'url=https://x', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
    ],
    ['a body without a content type', 'POST', '/v1/callbacks', 415, { body: '{}', headers: { 'content-type': '' } }],
  ];

  it.each(cases)('%s: %s %s → %i', async (_what, method, path, status, options, field) => {
    const answer = await http(method, path.replace('/ID', `/${id}`), options);
    expect(answer.status, JSON.stringify(answer.json)).toBe(status);
    expect(answer.json['code']).toEqual(expect.any(Number));
    expect(answer.json['message']).toEqual(expect.any(String));
    expect(JSON.stringify(answer.json)).not.toMatch(/ at .*\.(ts|js):\d+/); // never a stack trace
    expect(String(answer.json['message']).length).toBeLessThanOrEqual(1024); // nor an echo without bounds
    if (field !== undefined) expect(violations(answer).map((v) => v.field)).toContain(field);
    if (status === 401) expect(answer.headers.get('www-authenticate')).toBe('Bearer');
    if (status === 405) expect(answer.headers.get('allow')).toBe('GET, PATCH, DELETE');
  });

  it('lists every violation with its path at once', async () => {
    const answer = await http('POST', '/v1/callbacks', {
      body: { accountId: 'acct-a', url: 'ftp://x', labels: { 'bad key': 'v' } },
    });
    expect(answer.status).toBe(400);
    expect(violations(answer).map((v) => v.field)).toEqual(
      expect.arrayContaining(['callback.database_id', 'callback.url']),
    );
    expect(violations(answer).length).toBeGreaterThanOrEqual(3);
  });

  it('is 409 with the current revision for a stale expected_revision, 412 for a stale If-Match', async () => {
    const callback = await create();
    const stale = await http('PATCH', `/v1/callbacks/${callback.id}?updateMask=description&expectedRevision=5`, {
      body: { description: 'x' },
    });
    expect(stale.status).toBe(409);
    const [info] = stale.json['details'] as { '@type': string; reason: string; metadata: Record<string, string> }[];
    expect(info).toMatchObject({
      '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
      reason: 'REVISION_CONFLICT',
      metadata: { current_revision: '1', expected_revision: '5' },
    });
    const precondition = await http('DELETE', `/v1/callbacks/${callback.id}`, { headers: { 'if-match': '"4"' } });
    expect(precondition.status).toBe(412);
    expect(precondition.json['details']).toEqual([
      expect.objectContaining({ metadata: { current_revision: '1', expected_revision: '4' } }),
    ]);
    const both = await http('DELETE', `/v1/callbacks/${callback.id}?expectedRevision=2`, {
      headers: { 'if-match': '"1"' },
    });
    expect(both.status).toBe(400);
    expect(violations(both).map((v) => v.field)).toEqual(['expected_revision']);
  });

  it('honours a request id and a W3C trace context, and makes a request id where none came', async () => {
    const given = await fetch(`${w.h.httpUrl}/v1/callbacks`, {
      headers: {
        authorization: `Bearer ${TOKENS.accountA}`,
        'x-request-id': 'req-123',
        traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      },
    });
    expect(given.status).toBe(200);
    expect(given.headers.get('x-request-id')).toBe('req-123');
    const made = await fetch(`${w.h.httpUrl}/v1/callbacks`, {
      headers: { authorization: `Bearer ${TOKENS.accountA}`, 'x-request-id': 'not an id, with spaces' },
    });
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('tenancy over HTTP', () => {
  it("keeps each account's callbacks and deliveries to itself", async () => {
    const mine = await create();
    const deliveryId = await deadDelivery(mine);
    const asB = { token: TOKENS.accountB };

    expect((await http('GET', `/v1/callbacks/${mine.id}`, asB)).status).toBe(404);
    expect(
      (
        await http('PATCH', `/v1/callbacks/${mine.id}?updateMask=description`, {
          ...asB,
          body: { description: 'mine now' },
        })
      ).status,
    ).toBe(404);
    expect((await http('DELETE', `/v1/callbacks/${mine.id}`, asB)).status).toBe(404);
    expect(
      (await http('POST', `/v1/callbacks/${mine.id}:test`, { ...asB, body: { event: eventJson(sampleEvent()) } }))
        .status,
    ).toBe(404);
    expect((await http('GET', `/v1/deliveries/${deliveryId}`, asB)).status).toBe(404);
    expect((await http('POST', '/v1/deliveries:replay', { ...asB, body: { deliveryIds: [deliveryId] } })).status).toBe(
      404,
    );
    expect((await http('GET', '/v1/callbacks?accountId=acct-a', asB)).status).toBe(403);

    const theirs = await ok('GET', '/v1/callbacks', asB);
    expect((theirs.json['callbacks'] as CallbackJson[]).map((c) => c.accountId).filter((a) => a !== 'acct-b')).toEqual(
      [],
    );
    const theirDeliveries = await http('GET', `/v1/deliveries?callbackId=${mine.id}`, asB);
    expect([200, 404]).toContain(theirDeliveries.status);
    if (theirDeliveries.status === 200) expect(theirDeliveries.json['deliveries']).toEqual([]);

    // A's own view is untouched.
    expect((await ok('GET', `/v1/callbacks/${mine.id}`)).json['callback']).toMatchObject({
      revision: '1',
      description: '',
    });
    const admin = await ok('GET', `/v1/callbacks/${mine.id}`, { token: TOKENS.admin });
    expect((admin.json['callback'] as CallbackJson).id).toBe(mine.id);
  });
});
