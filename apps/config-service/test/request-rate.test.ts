import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Server, startNats } from '@callbacks/infra';
import { RetryInfo } from '@callbacks/proto/google/rpc/error_details';
import { Status } from '@callbacks/proto/google/rpc/status';
import { auth, callFails, type Harness, startHarness, TOKENS } from './harness';
import { OpenApiDocument } from './openapi';

/**
 * The per-token request rate (CONFIG_API_RATE_LIMIT, CONFIG_API_RATE_BURST) against the real
 * service: one allowance per token for gRPC and HTTP together. A rate of 1/s and a burst of 4,
 * so the calls below, a few milliseconds each, use the burst up long before a second refills it.
 */

let nats: Server;
let h: Harness;
beforeAll(async () => {
  nats = await startNats();
  h = await startHarness({
    mongoUrl: inject('mongoUrl'),
    natsUrl: nats.url,
    env: { CONFIG_API_RATE_LIMIT: '1', CONFIG_API_RATE_BURST: '4' },
  });
});
afterAll(async () => {
  await h?.close();
  await nats?.close();
});

/** A call that costs no database work: an id that is not one is refused before any read. */
const BAD_ID = { id: 'not an id' };
const BAD_PATH = `/v1/callbacks/${encodeURIComponent(BAD_ID.id)}`;

const A = auth(TOKENS.accountA);
const grpcGet = (metadata = A) => callFails(h.client.getCallback.bind(h.client), BAD_ID, metadata);

async function httpGet(token: string) {
  const response = await fetch(`${h.httpUrl}${BAD_PATH}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return { status: response.status, headers: response.headers, json: (await response.json()) as unknown };
}

describe('request rate per token', () => {
  it('is one allowance for gRPC and HTTP: 429 with Retry-After, RESOURCE_EXHAUSTED with RetryInfo', async () => {
    const openapi = await OpenApiDocument.load();
    // The burst, used up over gRPC (each refused as a bad id, which still counts as a request).
    for (let i = 0; i < 4; i++) expect((await grpcGet()).code).toBe(status.INVALID_ARGUMENT);

    // HTTP has no allowance of its own.
    const limited = await httpGet(TOKENS.accountA);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(openapi.check('GET', BAD_PATH, 429, limited.json)).toEqual([]);
    expect(limited.json).toEqual({
      code: status.RESOURCE_EXHAUSTED,
      message: 'too many requests for token "crm-a"; retry in 1s',
      details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '1s' }],
    });

    const refused = await grpcGet();
    expect(refused.code).toBe(status.RESOURCE_EXHAUSTED);
    const [details] = refused.metadata.get('grpc-status-details-bin');
    const [retry] = Status.decode(details as Buffer).details;
    expect(retry?.typeUrl).toBe('type.googleapis.com/google.rpc.RetryInfo');
    expect(RetryInfo.decode(retry!.value).retryDelay).toEqual({ seconds: 1, nanos: 0 });

    // Another token has its own allowance.
    expect((await httpGet(TOKENS.accountB)).status).toBe(400);
    expect((await grpcGet(auth(TOKENS.accountB))).code).toBe(status.INVALID_ARGUMENT);
  });
});
