import type { JsMsg } from '@nats-io/jetstream';
import { headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import { AckedPublisher, CONTENT_TYPES, HEADERS, MATCHED_BY_HEADER, STREAMS, SUBJECTS } from '@callbacks/messaging';
import { consumeConcurrently } from '@callbacks/testing';

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
  const publisher = new AckedPublisher(nc);
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
  try {
    const events = { stream: STREAMS.events.name, filter: SUBJECTS.allEvents, name };
    await consumeConcurrently(nc, { ...events, concurrency, firstSeq, count }, handle);
  } finally {
    publisher.close();
  }
}
