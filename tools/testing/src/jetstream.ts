import { DeliverPolicy, jetstream, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';

/**
 * Reads every message of a stream matching `filter`, from the beginning, until `count` have
 * arrived (or `timeoutMs` passed, then resolves with what arrived). An ordered consumer: it
 * neither changes the stream nor competes with the services' consumers.
 */
export async function readStream(
  nc: NatsConnection,
  stream: string,
  filter: string,
  count: number,
  timeoutMs = 30_000,
): Promise<JsMsg[]> {
  const consumer = await jetstream(nc).consumers.get(stream, {
    filter_subjects: [filter],
    deliver_policy: DeliverPolicy.All,
  });
  const messages = await consumer.consume();
  const received: JsMsg[] = [];
  const timer = setTimeout(() => void messages.close(), timeoutMs);
  try {
    for await (const msg of messages) {
      received.push(msg);
      if (received.length >= count) break;
    }
  } finally {
    clearTimeout(timer);
    await messages.close();
  }
  return received;
}

/** How many messages a stream holds on subjects matching `filter`. */
export async function countMessages(nc: NatsConnection, stream: string, filter: string): Promise<number> {
  const jsm = await jetstream(nc).jetstreamManager();
  const info = await jsm.streams.info(stream, { subjects_filter: filter });
  return Object.values(info.state.subjects ?? {}).reduce((sum, n) => sum + n, 0);
}

/**
 * Waits until a durable consumer has handed out and seen acknowledged everything in its stream:
 * nothing pending, nothing awaiting an ack. The event a test waits for when it asks "has the
 * service processed all I published?".
 */
export async function waitForConsumerIdle(
  nc: NatsConnection,
  stream: string,
  consumer: string,
  timeoutMs = 60_000,
): Promise<void> {
  const jsm = await jetstream(nc).jetstreamManager();
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const info = await jsm.consumers.info(stream, consumer);
      if (info.num_pending === 0 && info.num_ack_pending === 0) return;
      last = `pending ${info.num_pending}, awaiting ack ${info.num_ack_pending}`;
    } catch (error) {
      last = String(error);
    }
    if (Date.now() > deadline)
      throw new Error(`consumer ${stream}/${consumer} not idle after ${timeoutMs} ms (${last})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
