import { createPrivateKey, randomBytes, sign } from 'node:crypto';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type JsMsg } from '@nats-io/jetstream';
import { Agent } from 'undici';
import { AckedPublisher, type NatsConnection, STREAMS, SUBJECTS } from '@callbacks/messaging';
import { AttemptResult, Outcome } from '@callbacks/proto/callbacks/delivery/v1/delivery_job';

/**
 * The dispatcher's floor for RSA deliveries: bare client code that consumes `count` jobs from
 * stream sequence `firstSeq` on, and for each signs a signing string of the scheme's size with
 * the same RSA key, POSTs `body` once (raw undici, no queues, limits or checks), publishes a
 * result and waits for the stream's acknowledgement, then acknowledges the job; `concurrency` at
 * a time. Nothing else: no decoding, rendering, digest, retry policy or tracing.
 */
export async function runRsaFloor(
  nc: NatsConnection,
  options: { url: string; body: Buffer; privateKeyPem: string; concurrency: number; firstSeq: number; count: number },
): Promise<void> {
  const name = 'rsa-floor';
  const jsm = await jetstreamManager(nc);
  await jsm.consumers.add(STREAMS.deliveries.name, {
    durable_name: name,
    ack_policy: AckPolicy.Explicit,
    filter_subject: SUBJECTS.allDeliveryJobs,
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: options.firstSeq,
    max_ack_pending: 10_000,
  });
  const consumer = await jetstream(nc).consumers.get(STREAMS.deliveries.name, name);
  const key = createPrivateKey(options.privateKeyPem);
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
  const deliver = async (msg: JsMsg) => {
    const date = new Date().toUTCString();
    const nonce = randomBytes(16).toString('hex');
    const signingString = `(request-target): post ${pathname}\nhost: ${host}\ndate: ${date}\ncontent-length: ${options.body.length}\ncontent-type: application/json\nx-copernica-id: account_acct-a\ndigest: sha-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\nx-nonce: ${nonce}`;
    const signature = sign('sha256', Buffer.from(signingString), key).toString('base64');
    const res = await agent.request({
      origin,
      path: pathname,
      method: 'POST',
      body: options.body,
      headers: { 'content-type': 'application/json', date, 'x-nonce': nonce, signature },
    });
    await res.body.dump();
    await publisher.publish(SUBJECTS.attemptResult('acct-a', 'cb_floor'), result, { msgId: `floor-${msg.seq}` });
    msg.ack();
  };
  const inFlight = new Set<Promise<void>>();
  let left = options.count;
  const messages = await consumer.consume({ max_messages: options.concurrency * 2 });
  for await (const msg of messages) {
    const task = deliver(msg);
    inFlight.add(task);
    void task.finally(() => inFlight.delete(task));
    if (inFlight.size >= options.concurrency) await Promise.race(inFlight);
    if (--left === 0) break;
  }
  await Promise.all(inFlight);
  await messages.close();
  await nc.flush(); // the last acknowledgements
  publisher.close();
  await agent.close();
  await jsm.consumers.delete(STREAMS.deliveries.name, name);
}
