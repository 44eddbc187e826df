import { createHmac, createPrivateKey, type KeyObject, randomBytes, sign } from 'node:crypto';
import type { JsMsg } from '@nats-io/jetstream';
import { Agent } from 'undici';
import { AckedPublisher, type NatsConnection, STREAMS, SUBJECTS } from '@callbacks/messaging';
import { AttemptResult, Outcome } from '@callbacks/proto/callbacks/delivery/v1/delivery_job';
import { consumeConcurrently } from '@callbacks/testing';

/** How the floor signs: the original scheme's RSA key, or a Standard Webhooks v1 HMAC secret. */
export type FloorSigning = { kind: 'rsa'; privateKeyPem: string } | { kind: 'hmac'; secret: Buffer };

/**
 * The dispatcher's floor for signed deliveries: bare client code that consumes `count` jobs from
 * stream sequence `firstSeq` on, and for each signs like the scheme (RSA: a signing string of the
 * original scheme's size with the same key; HMAC: Standard Webhooks' `id.timestamp.body`), POSTs
 * `body` once (raw undici, no queues, limits or checks), publishes a result and waits for the
 * stream's acknowledgement, then acknowledges the job; `concurrency` at a time. Nothing else: no
 * decoding, rendering, digest, retry policy or tracing.
 */
export async function runFloor(
  nc: NatsConnection,
  options: { url: string; body: Buffer; signing: FloorSigning; concurrency: number; firstSeq: number; count: number },
): Promise<void> {
  const signing = options.signing;
  const agent = new Agent({ keepAliveTimeout: 10_000 });
  const { origin, host, pathname } = new URL(options.url);
  const publisher = new AckedPublisher(nc);
  // A result of the size the dispatcher's are: ids, outcome, times, status.
  const result = AttemptResult.encode(
    AttemptResult.fromPartial({
      deliveryId: `dl_${randomBytes(16).toString('hex')}`,
      accountId: 'acct-a',
      callbackId: `cb_${randomBytes(6).toString('hex')}`,
      eventId: `evt-${randomBytes(12).toString('hex')}`,
      attempt: 1,
      outcome: Outcome.SUCCEEDED,
      startedAt: new Date(),
      duration: { seconds: 0, nanos: 1_500_000 },
      statusCode: 200,
      matchedAt: new Date(),
    }),
  ).finish();
  const signatureHeaders =
    signing.kind === 'hmac'
      ? hmacHeaders(signing.secret, options.body)
      : rsaHeaders(createPrivateKey(signing.privateKeyPem), pathname, host, options.body);
  try {
    await consumeJobs(nc, `${signing.kind}-floor`, options, async (msg) => {
      const res = await agent.request({
        origin,
        path: pathname,
        method: 'POST',
        body: options.body,
        headers: { 'content-type': 'application/json', ...signatureHeaders(msg) },
      });
      await res.body.dump();
      await publisher.publish(SUBJECTS.attemptResult('acct-a', 'cb_floor'), result, { msgId: `floor-${msg.seq}` });
      msg.ack();
    });
  } finally {
    publisher.close();
    await agent.close();
  }
}

/** Hands `count` delivery jobs from stream sequence `firstSeq` on to `deliver`, `concurrency` at a time. */
export function consumeJobs(
  nc: NatsConnection,
  name: string,
  options: { concurrency: number; firstSeq: number; count: number },
  deliver: (msg: JsMsg) => Promise<void>,
): Promise<void> {
  const { concurrency, firstSeq, count } = options;
  const jobs = { stream: STREAMS.deliveries.name, filter: SUBJECTS.allDeliveryJobs, name };
  return consumeConcurrently(nc, { ...jobs, concurrency, firstSeq, count }, deliver);
}

/** Standard Webhooks v1: an HMAC-SHA256 of `id.timestamp.body` under the secret. */
function hmacHeaders(secret: Buffer, body: Buffer): (msg: JsMsg) => Record<string, string> {
  return (msg) => {
    const id = `dl_floor_${msg.seq}`;
    const timestamp = String(Math.floor(Date.now() / 1000));
    const mac = createHmac('sha256', secret).update(`${id}.${timestamp}.`).update(body).digest('base64');
    return { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${mac}` };
  };
}

/** The original scheme: an RSA signature over a signing string of its size. */
function rsaHeaders(key: KeyObject, pathname: string, host: string, body: Buffer): () => Record<string, string> {
  return () => {
    const date = new Date().toUTCString();
    const nonce = randomBytes(16).toString('hex');
    const signingString = `(request-target): post ${pathname}\nhost: ${host}\ndate: ${date}\ncontent-length: ${body.length}\ncontent-type: application/json\nx-copernica-id: account_acct-a\ndigest: sha-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\nx-nonce: ${nonce}`;
    const signature = sign('sha256', Buffer.from(signingString), key).toString('base64');
    return { date, 'x-nonce': nonce, signature };
  };
}
