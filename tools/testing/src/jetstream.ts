import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type JsMsg } from '@nats-io/jetstream';
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

/**
 * The loop of a benchmark's floor: hands `count` messages of `stream` matching `filter`, from
 * sequence `firstSeq` on, to `handle`, `concurrency` at a time, through a durable consumer of
 * their own (`name`, deleted afterwards); resolves once every handled message's work is done and
 * the last acknowledgements are sent. Nothing more, so that a service can be compared with it.
 */
export async function consumeConcurrently(
  nc: NatsConnection,
  options: { stream: string; filter: string; name: string; firstSeq: number; count: number; concurrency: number },
  handle: (msg: JsMsg) => Promise<void>,
): Promise<void> {
  const { stream, name, concurrency } = options;
  const jsm = await jetstreamManager(nc);
  await jsm.consumers.add(stream, {
    durable_name: name,
    ack_policy: AckPolicy.Explicit,
    filter_subject: options.filter,
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: options.firstSeq,
    max_ack_pending: 10_000,
  });
  const consumer = await jetstream(nc).consumers.get(stream, name);
  const inFlight = new Set<Promise<void>>();
  let left = options.count;
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
  await nc.flush(); // the last acknowledgements
  await jsm.consumers.delete(stream, name);
}
