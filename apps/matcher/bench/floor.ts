import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type JsMsg } from '@nats-io/jetstream';
import { headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import { AckedPublisher, CONTENT_TYPES, HEADERS, MATCHED_BY_HEADER, STREAMS, SUBJECTS } from '@callbacks/messaging';

/** A job as the matcher publishes it, prepared before the floor runs. */
export interface PreparedJob {
  subject: string;
  data: Uint8Array;
  msgId: string;
}

/**
 * The matcher's floor: bare client code that consumes the same events as the matcher (the same
 * pull size, at most `concurrency` in hand), publishes each event's jobs — the same bytes, the
 * same headers, acknowledged by the stream — and then acknowledges the event. Nothing else: no
 * decoding, matching or building of jobs. Resolves once every event is acknowledged.
 */
export async function runFloor(
  nc: NatsConnection,
  name: string,
  jobsBySeq: ReadonlyMap<number, readonly PreparedJob[]>,
  concurrency: number,
  /** The events: `count` from stream sequence `firstSeq` on. */
  { firstSeq, count }: { firstSeq: number; count: number },
): Promise<void> {
  const jsm = await jetstreamManager(nc);
  await jsm.consumers.add(STREAMS.events.name, {
    durable_name: name,
    ack_policy: AckPolicy.Explicit,
    filter_subject: SUBJECTS.allEvents,
    max_ack_pending: 10_000,
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: firstSeq,
  });
  const consumer = await jetstream(nc).consumers.get(STREAMS.events.name, name);
  const publisher = new AckedPublisher(nc);
  const inFlight = new Set<Promise<void>>();
  const handle = async (msg: JsMsg) => {
    await Promise.all(
      (jobsBySeq.get(msg.seq) ?? []).map((job) => {
        const h = natsHeaders();
        h.set(HEADERS.contentType, CONTENT_TYPES.protobuf);
        h.set(MATCHED_BY_HEADER, name);
        return publisher.publish(job.subject, job.data, { msgId: job.msgId, headers: h });
      }),
    );
    msg.ack();
  };
  let left = count;
  const messages = await consumer.consume({ max_messages: Math.max(concurrency * 2, 16) });
  for await (const msg of messages) {
    const task = handle(msg);
    inFlight.add(task);
    void task.finally(() => inFlight.delete(task));
    if (inFlight.size >= concurrency) await Promise.race(inFlight);
    if (--left === 0) break;
  }
  await Promise.all(inFlight);
  await messages.close();
  publisher.close();
  await nc.flush(); // the last acknowledgements
  await jsm.consumers.delete(STREAMS.events.name, name);
}
