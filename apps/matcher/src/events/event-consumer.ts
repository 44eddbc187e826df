import { type ConsumerMessages, jetstream, jetstreamManager, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '@callbacks/logger';
import { ConsumeLoop, PULL_EXPIRES_MS, STREAMS } from '@callbacks/messaging';
import type { EventHandler } from './event-handler';

export const MATCHER_CONSUMER = 'matcher';

/**
 * Reads the shared consumer's ack floor: every event up to it is acknowledged or terminated, by
 * whichever instance handled it (the server's floor sits just below the lowest event delivered
 * and not yet acknowledged).
 */
export function ackFloorReader(nc: NatsConnection): () => Promise<number> {
  // Without the account check, making the manager asks the server nothing, so it cannot fail.
  const manager = jetstreamManager(nc, { checkAPI: false });
  return async () => {
    const info = await (await manager).consumers.info(STREAMS.events.name, MATCHER_CONSUMER);
    return info.ack_floor.stream_seq;
  };
}

/**
 * Pulls events from the shared durable consumer and handles up to `concurrency` at once. Every
 * matcher instance runs one; JetStream spreads the events over them. An event whose ordered jobs
 * wait for earlier events gives its slot up meanwhile (see EventHandler.handle).
 */
export class EventConsumer {
  private messages: ConsumerMessages | undefined;
  /** Every event in hand, until acknowledged or handed back. */
  private readonly inFlight = new Set<Promise<void>>();
  /** Events holding a slot. */
  private busy = 0;
  private slotWaiters: (() => void)[] = [];
  private readonly consuming = new ConsumeLoop(MATCHER_CONSUMER);
  /** Resolves if consuming, once started, ends without `stop` (see ConsumeLoop). */
  readonly failed = this.consuming.failed;

  constructor(
    private readonly nc: NatsConnection,
    private readonly handler: EventHandler,
    private readonly log: Logger,
    private readonly concurrency: number,
  ) {}

  async start(): Promise<void> {
    const consumer = await jetstream(this.nc).consumers.get(STREAMS.events.name, MATCHER_CONSUMER);
    this.messages = await consumer.consume({
      max_messages: Math.max(this.concurrency * 2, 16),
      abort_on_missing_resource: true,
      expires: PULL_EXPIRES_MS,
    });
    this.consuming.start(this.run(this.messages));
  }

  /**
   * Messages that arrive together are handled together, in one macrotask: their job publishes
   * then leave in one socket write instead of one write per event (nats.js flushes once per
   * microtask checkpoint). That holds at the concurrency limit too: the events read while waiting
   * for a slot start together in the next check phase, not one by one as slots free up (each
   * one's publishes a write of its own, a sixth of the matcher's CPU).
   */
  private async run(messages: ConsumerMessages): Promise<void> {
    let batch: JsMsg[] = [];
    const flush = () => {
      const current = batch;
      batch = [];
      for (const msg of current) this.handleInBackground(msg);
    };
    for await (const msg of messages) {
      if (batch.length === 0) setImmediate(flush);
      batch.push(msg);
      if (this.busy + batch.length >= this.concurrency) {
        await new Promise<void>((resolve) => setImmediate(resolve)); // after `flush`, scheduled before
        await this.slotBelow(this.concurrency);
      }
    }
    flush();
  }

  private async slotBelow(limit: number): Promise<void> {
    while (this.busy >= limit) await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
  }

  private handleInBackground(msg: JsMsg): void {
    this.busy++;
    let holding = true;
    const release = () => {
      if (!holding) return;
      holding = false;
      this.busy--;
      for (const resolve of this.slotWaiters.splice(0)) resolve();
    };
    const task = this.handler
      .handle(msg, release)
      .catch((error: unknown) => {
        this.log.error(
          { err: error, seq: msg.seq },
          'event handler failed unexpectedly; the event will be redelivered',
        );
      })
      .finally(release);
    this.inFlight.add(task);
    void task.finally(() => this.inFlight.delete(task));
  }

  /**
   * Stops pulling, waits for the events in slots, hands back those whose ordered jobs still wait,
   * and waits for the rest to finish (graceful shutdown).
   */
  async stop(): Promise<void> {
    await this.consuming.stop(() => this.messages?.close());
    await this.slotBelow(1);
    this.handler.giveBackWaiting();
    await Promise.all(this.inFlight);
  }
}
