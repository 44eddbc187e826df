import { setImmediate as nextTurn } from 'node:timers/promises';
import { type ConsumerMessages, jetstream, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '@callbacks/logger';
import { ConsumeLoop, PULL_EXPIRES_MS, STREAMS, SUBJECT_TEMPLATES } from '@callbacks/messaging';
import type { AttemptResult } from '@callbacks/proto/callbacks/delivery/v1/delivery_job';
import type { MessageTrace, NatsTracing } from '@callbacks/telemetry';
import type { RecordAttemptResult } from '../deliveries/record-attempt-result';
import { decodeAttemptResult } from './decode-attempt-result';

/** The durable consumer of attempt results that every config service instance shares. */
export const DELIVERY_LOG_CONSUMER = 'delivery-log';

export interface DeliveryLogStats {
  /** Results recorded and acknowledged. */
  recorded: number;
  /** Results that can never be recorded: terminated, each logged with its reason. */
  dropped: number;
  /** Recording failed (the database, most likely): the result comes again later. */
  retried: number;
}

interface Received {
  msg: JsMsg;
  result: AttemptResult;
  trace: MessageTrace;
}

export interface BatchOptions {
  /** Results recorded at once, at most. */
  batchSize: number;
  /** How long a batch that is not full waits for more results, from its first result's arrival. */
  gatherMs: number;
}

/**
 * Records attempt results into the delivery log in batches: whatever has arrived when the
 * previous batch is written, up to `batchSize`, is written next, in a few database commands
 * (RecordAttemptResult), and each result is acknowledged only once its batch is recorded. A
 * batch that is not full waits up to `gatherMs` for more, as each write costs the database a
 * fixed overhead besides its documents (README, "Cost per result"). A result that cannot be
 * recorded is terminated (never redelivered forever); a batch whose recording fails is
 * redelivered with a growing delay.
 *
 * One batch at a time per instance: MongoDB applies each conditional update atomically, and so
 * does FerretDB as tools/infra builds it, but a stock FerretDB 1.x does not (concurrent "set
 * progress to 8 if below 8" updates of one document lost to lower ones in 42 of 50 rounds when
 * measured), so one instance never races itself; other instances still proceed in parallel.
 *
 * Each result is a `process` span in the trace of its delivery; the batch is a span linked to
 * them, with the database calls under it.
 */
export class AttemptResultConsumer {
  readonly stats: DeliveryLogStats = { recorded: 0, dropped: 0, retried: 0 };
  private messages: ConsumerMessages | undefined;
  private readonly consuming = new ConsumeLoop(DELIVERY_LOG_CONSUMER);
  /** Resolves if consuming, once started, ends without `stop` (see ConsumeLoop). */
  readonly failed = this.consuming.failed;
  private pending: Received[] = [];
  /** When the first of the pending results arrived (performance clock, ms). */
  private pendingSince = 0;
  /** Ends the wait for a fuller batch: set while a batch is gathering. */
  private gathered: (() => void) | undefined;
  private writing: Promise<void> | undefined;
  private stopping = false;

  constructor(
    private readonly nc: NatsConnection,
    private readonly recorder: RecordAttemptResult,
    private readonly log: Logger,
    private readonly batching: BatchOptions,
    private readonly tracing: NatsTracing,
  ) {}

  async start(): Promise<void> {
    const consumer = await jetstream(this.nc).consumers.get(STREAMS.results.name, DELIVERY_LOG_CONSUMER);
    this.messages = await consumer.consume({
      max_messages: Math.max(2 * this.batching.batchSize, 16),
      abort_on_missing_resource: true,
      expires: PULL_EXPIRES_MS,
    });
    this.consuming.start(this.run(this.messages));
  }

  private async run(messages: ConsumerMessages): Promise<void> {
    for await (const msg of messages) {
      this.receive(msg);
      if (this.pending.length === 0) continue;
      this.writing ??= this.write();
      // A full batch waiting: pull no further until it is being written.
      if (this.pending.length >= this.batching.batchSize) await this.writing;
    }
  }

  private receive(msg: JsMsg): void {
    const trace = this.tracing.consume(msg, SUBJECT_TEMPLATES.attemptResult, DELIVERY_LOG_CONSUMER);
    const decoded = decodeAttemptResult(msg.subject, msg.data);
    if (decoded.ok) {
      if (this.pending.length === 0) this.pendingSince = performance.now();
      this.pending.push({ msg, result: decoded.result, trace });
      if (this.pending.length >= this.batching.batchSize) this.gathered?.();
      return;
    }
    this.stats.dropped++;
    this.log.error({ subject: msg.subject, seq: msg.seq, reason: decoded.reason }, 'dropping an attempt result');
    this.settle(msg, () => msg.term(decoded.reason.slice(0, 256)));
    trace.end(new Error(decoded.reason));
  }

  /** Writes batches while results are waiting; the first after this turn, so that it gathers what arrived together. */
  private async write(): Promise<void> {
    try {
      await nextTurn();
      while (this.pending.length > 0) {
        await this.gather();
        await this.record(this.pending.splice(0, this.batching.batchSize));
      }
    } finally {
      this.writing = undefined;
    }
  }

  /** Waits until a batch is full or its first result has waited `gatherMs`, or consuming stops. */
  private async gather(): Promise<void> {
    const wait = this.pendingSince + this.batching.gatherMs - performance.now();
    if (this.pending.length >= this.batching.batchSize || wait <= 0 || this.stopping) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.gathered?.(), wait);
      this.gathered = () => {
        clearTimeout(timer);
        this.gathered = undefined;
        resolve();
      };
    });
  }

  private async record(batch: Received[]): Promise<void> {
    try {
      await this.tracing.batch(
        'record attempt results',
        batch.map((r) => r.trace),
        () => this.recorder.execute(batch.map((r) => r.result)),
      );
    } catch (error) {
      this.stats.retried += batch.length;
      const redeliveries = Math.max(...batch.map((r) => r.msg.info.deliveryCount));
      this.log.warn(
        { err: error, results: batch.length, redeliveries },
        'could not record attempt results; they will come again',
      );
      for (const { msg, trace } of batch) {
        trace.end(error);
        this.settle(msg, () => msg.nak(Math.min(30_000, 1_000 * msg.info.deliveryCount)));
      }
      return;
    }
    this.stats.recorded += batch.length;
    for (const { msg, trace } of batch) {
      trace.end();
      this.settle(msg, () => msg.ack());
    }
  }

  private settle(msg: JsMsg, how: () => void): void {
    try {
      how();
    } catch (error) {
      // The connection is closing: JetStream hands the result out again.
      this.log.warn({ err: error, seq: msg.seq }, 'could not settle an attempt result; it will come again');
    }
  }

  /** Stops pulling, then lets the results in hand be recorded (graceful shutdown). */
  async stop(): Promise<void> {
    this.stopping = true;
    this.gathered?.();
    await this.consuming.stop(() => this.messages?.close());
    await this.writing;
  }
}
