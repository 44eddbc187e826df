import { jetstream, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '@callbacks/logger';
import { STREAMS, SUBJECT_TEMPLATES } from '@callbacks/messaging';
import type { MessageTrace, NatsTracing } from '@callbacks/telemetry';
import type { RecordAttemptResult } from '../deliveries/record-attempt-result';
import { decodeAttemptResult } from './decode-attempt-result';
import { SerialByKey } from './serial-by-key';

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

/**
 * Records attempt results into the delivery log, up to `concurrency` at once, acknowledging each
 * only once it is recorded. A result that cannot be recorded is terminated (never redelivered
 * forever); one whose recording fails is redelivered with a growing delay.
 *
 * Results of one callback are recorded one at a time. MongoDB applies each conditional update
 * atomically, but FerretDB 1.x does not: concurrent "set progress to 8 if below 8" updates of one
 * document lost to lower ones in 42 of 50 rounds when measured. One at a time per callback (its
 * deliveries and its endpoint health) keeps one instance right there too; other callbacks, and
 * other instances, still proceed in parallel.
 *
 * Each result is a `process` span in the trace of its delivery, with the database calls under it.
 */
export class AttemptResultConsumer {
  readonly stats: DeliveryLogStats = { recorded: 0, dropped: 0, retried: 0 };
  private messages: ConsumerMessages | undefined;
  private loop: Promise<void> | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly serial = new SerialByKey();

  constructor(
    private readonly nc: NatsConnection,
    private readonly recorder: RecordAttemptResult,
    private readonly log: Logger,
    private readonly concurrency: number,
    private readonly tracing: NatsTracing,
  ) {}

  async start(): Promise<void> {
    const consumer = await jetstream(this.nc).consumers.get(STREAMS.results.name, DELIVERY_LOG_CONSUMER);
    this.messages = await consumer.consume({ max_messages: Math.max(2 * this.concurrency, 16) });
    this.loop = this.run(this.messages);
  }

  private async run(messages: ConsumerMessages): Promise<void> {
    for await (const msg of messages) {
      const task = this.handle(msg).catch((error: unknown) => {
        // Acknowledging failed (the connection is closing): JetStream hands the result out again.
        this.log.warn({ err: error, seq: msg.seq }, 'could not settle an attempt result; it will come again');
      });
      this.inFlight.add(task);
      void task.finally(() => this.inFlight.delete(task));
      if (this.inFlight.size >= this.concurrency) await Promise.race(this.inFlight);
    }
  }

  private handle(msg: JsMsg): Promise<void> {
    return this.tracing.process(msg, SUBJECT_TEMPLATES.attemptResult, DELIVERY_LOG_CONSUMER, (trace) => this.record(msg, trace));
  }

  private async record(msg: JsMsg, trace: MessageTrace): Promise<void> {
    const decoded = decodeAttemptResult(msg.subject, msg.data);
    if (!decoded.ok) {
      this.stats.dropped++;
      this.log.error({ subject: msg.subject, seq: msg.seq, reason: decoded.reason }, 'dropping an attempt result');
      msg.term(decoded.reason.slice(0, 256));
      trace.end(new Error(decoded.reason));
      return;
    }
    const { result } = decoded;
    try {
      await this.serial.run(result.callbackId, () => this.recorder.execute(result));
    } catch (error) {
      this.stats.retried++;
      trace.end(error);
      const redeliveries = msg.info.deliveryCount;
      this.log.warn({ err: error, delivery_id: result.deliveryId, attempt: result.attempt, redeliveries }, 'could not record an attempt result; it will come again');
      msg.nak(Math.min(30_000, 1_000 * redeliveries));
      return;
    }
    this.stats.recorded++;
    msg.ack();
  }

  /** Stops pulling, then lets the results in hand finish (graceful shutdown). */
  async stop(): Promise<void> {
    await this.messages?.close();
    await this.loop;
    await Promise.all(this.inFlight);
  }
}
