import { type ConsumerMessages, jetstream, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '@callbacks/logger';
import { ConsumeLoop, PULL_EXPIRES_MS, STREAMS, SUBJECT_TEMPLATES } from '@callbacks/messaging';
import type { NatsTracing } from '@callbacks/telemetry';
import type { Deliverer } from '../delivery/deliverer';
import { decodeJob, endpointOf } from '../delivery/job';

export const DISPATCHER_CONSUMER = 'dispatcher';

/**
 * Jobs taken in per turn of the event loop. JetStream hands over a backlog far faster than it
 * can be delivered; taken in one go, it starved the attempts in flight (responses waited behind
 * thousands of jobs being decoded and queued), and the stalled attempts made a healthy endpoint
 * look slow enough to defer its jobs. Yielding after every few lets responses in between, so a
 * busy dispatcher takes jobs in at about the pace it finishes them, and an idle one at once.
 */
const INTAKE_PER_TURN = 16;

/**
 * Pulls delivery jobs from the shared durable consumer and hands them to the deliverer. Jobs
 * held here (queued behind an endpoint's limit, or in flight) are kept alive with in-progress
 * acknowledgements, so a slow receiver never makes JetStream redeliver a job that is still
 * being worked on. Each job is a `process` span, from its arrival until it is settled.
 */
export class JobConsumer {
  private messages: ConsumerMessages | undefined;
  private readonly consuming = new ConsumeLoop(DISPATCHER_CONSUMER);
  /** Resolves if consuming, once started, ends without `stop` (see ConsumeLoop). */
  readonly failed = this.consuming.failed;
  private keepAlive: NodeJS.Timeout | undefined;
  private shedding: NodeJS.Timeout | undefined;

  constructor(
    private readonly nc: NatsConnection,
    private readonly deliverer: Deliverer,
    private readonly log: Logger,
    private readonly tracing: NatsTracing,
    private readonly options: { ackWaitMs: number; maxHeld: number; batch: number },
  ) {}

  async start(): Promise<void> {
    const consumer = await jetstream(this.nc).consumers.get(STREAMS.deliveries.name, DISPATCHER_CONSUMER);
    this.messages = await consumer.consume({
      max_messages: this.options.batch,
      abort_on_missing_resource: true,
      expires: PULL_EXPIRES_MS,
    });
    this.keepAlive = setInterval(
      () => {
        for (const work of this.deliverer.held()) work.held.working();
      },
      Math.max(1_000, Math.floor(this.options.ackWaitMs / 3)),
    );
    this.shedding = setInterval(() => this.deliverer.shed(), 1_000);
    this.consuming.start(this.run(this.messages));
  }

  private async run(messages: ConsumerMessages): Promise<void> {
    let taken = 0;
    for await (const msg of messages) {
      this.accept(msg);
      while (this.deliverer.heldCount >= this.options.maxHeld) await this.deliverer.roomFreed();
      if (++taken % INTAKE_PER_TURN === 0) await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private accept(msg: JsMsg): void {
    const trace = this.tracing.consume(msg, SUBJECT_TEMPLATES.deliveryJob, DISPATCHER_CONSUMER);
    const decoded = decodeJob(msg.data);
    if (!decoded.ok) {
      // Not something a retry can fix: drop it loudly.
      trace.run(() =>
        this.log.error(
          { subject: msg.subject, seq: msg.seq, reason: decoded.reason },
          'dropping an invalid delivery job',
        ),
      );
      msg.term(decoded.reason);
      trace.end(new Error(decoded.reason));
      return;
    }
    const { job } = decoded;
    trace.annotate({
      'callbacks.delivery.id': job.deliveryId,
      'callbacks.delivery.attempt': job.attempt,
      'callbacks.callback.id': job.callback.id,
    });
    const work = {
      job,
      endpoint: endpointOf(job),
      trace,
      held: {
        working: () => msg.working(),
        ack: () => {
          msg.ack();
          trace.end();
        },
        nak: (delay?: number) => {
          msg.nak(delay);
          trace.end();
        },
      },
    };
    trace.run(() => this.deliverer.submit(work));
  }

  /** Stops pulling; the deliverer then gives back what it has not started. */
  async stop(): Promise<void> {
    clearInterval(this.keepAlive);
    clearInterval(this.shedding);
    await this.consuming.stop(() => this.messages?.close());
  }
}
