import {
  type Consumer,
  type ConsumerMessages,
  jetstream,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamManager,
  jetstreamManager,
  type JsMsg,
  type StoredMsg,
} from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '@callbacks/logger';
import {
  type AckedPublisher,
  ConsumeLoop,
  offerTurn,
  type OrderedPartition,
  parsePartitionSubject,
  passTurn,
  PULL_EXPIRES_MS,
  STREAMS,
  SUBJECT_TEMPLATES,
  SUBJECTS,
  type TurnState,
  turnStateOf,
} from '@callbacks/messaging';
import type { MessageTrace, NatsTracing } from '@callbacks/telemetry';
import type { Deliverer, Work } from '../delivery/deliverer';
import { decodeJob, endpointOf } from '../delivery/job';

export const ORDERED_CONSUMER = 'dispatcher-ordered';

/** How a held job of an ordered line was let go by the deliverer. */
type Release = { kind: 'settled' } | { kind: 'passed' } | { kind: 'given_back'; delayMs: number | undefined };

/**
 * Per-profile ordering (SPEC §8a). An ordered callback's jobs wait in line, one subject per
 * partition (callback and profile or subprofile), in the ordered stream; each partition has at
 * most one turn, a message in the turns stream (see `publishDeliveryJob`). The dispatcher that
 * holds a partition's turn — unacknowledged, kept alive while it works — is the only one
 * attempting that partition, and only its first job: settled (succeeded, dead, gone, skipped),
 * the job is deleted and the next one goes; retrying or deferred, the job stays first and the
 * turn is passed on, due when the job is. A turn that arrives early is given back until it is
 * due, so a line behind a failing job costs one pending turn, never its thousands of waiting
 * jobs, and other partitions go on. A dispatcher that dies holding a turn loses it to another
 * after the ack wait; the job it was attempting is attempted again (at least once, never out of
 * order). The receiver sees the job's `sequence`: the event's place in the events stream.
 */
export class TurnConsumer {
  private fetched: ConsumerMessages | undefined;
  private stopping = false;
  private jsm: JetStreamManager | undefined;
  private readonly consuming = new ConsumeLoop(ORDERED_CONSUMER);
  readonly failed = this.consuming.failed;
  private sweeping: NodeJS.Timeout | undefined;
  private keepAlive: NodeJS.Timeout | undefined;
  /**
   * The turns this instance holds, kept alive from the moment they arrive: a turn that expired
   * here while still in hand would go to another instance, and two holders of one line could
   * send its jobs out of order.
   */
  private readonly inHand = new Set<JsMsg>();
  private readonly lines = new Set<Promise<void>>();
  private roomWaiters: (() => void)[] = [];

  constructor(
    private readonly nc: NatsConnection,
    private readonly deliverer: Deliverer,
    private readonly publisher: AckedPublisher,
    private readonly log: Logger,
    private readonly tracing: NatsTracing,
    private readonly options: { maxHeld: number; batch: number; sweepIntervalMs: number; ackWaitMs: number },
  ) {}

  async start(): Promise<void> {
    this.jsm = await jetstreamManager(this.nc);
    const consumer = await jetstream(this.nc).consumers.get(STREAMS.turns.name, ORDERED_CONSUMER);
    this.keepAlive = setInterval(
      () => {
        for (const turn of this.inHand) turn.working();
      },
      Math.max(1_000, Math.floor(this.options.ackWaitMs / 3)),
    );
    this.sweeping = setInterval(() => void this.sweep(), this.options.sweepIntervalMs);
    void this.sweep();
    this.consuming.start(this.run(consumer));
  }

  /**
   * Fetches turns only while there is room for them, rather than letting a consume buffer hold
   * turns that nobody keeps alive: every turn fetched is in hand at once.
   */
  private async run(consumer: Consumer): Promise<void> {
    let fetchFailures = 0;
    while (!this.stopping) {
      while (this.inHand.size >= this.options.maxHeld) await new Promise<void>((r) => this.roomWaiters.push(r));
      try {
        this.fetched = await consumer.fetch({
          max_messages: Math.min(this.options.batch, this.options.maxHeld - this.inHand.size),
          expires: PULL_EXPIRES_MS,
        });
        for await (const turn of this.fetched) this.hold(turn);
        fetchFailures = 0;
      } catch (error) {
        // A fetch fails with the connection (a server shut down, a leader change); nats.js
        // reconnects by itself, so fetch again. Only a consumer or stream that is gone, or a
        // connection closed for good, ends the loop (the service then stops, saying why).
        if (this.stopping || this.nc.isClosed() || isGone(error)) throw error;
        if (fetchFailures++ === 0) this.log.warn({ err: error }, 'fetching turns failed; fetching again');
        await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 250 * fetchFailures)));
      }
    }
  }

  private hold(turn: JsMsg): void {
    this.inHand.add(turn);
    const line = this.take(turn)
      .catch((error: unknown) => {
        this.log.warn({ err: error, subject: turn.subject }, 'could not work an ordered line; its turn comes back');
        turn.nak(1_000);
      })
      .finally(() => {
        this.inHand.delete(turn);
        for (const resolve of this.roomWaiters.splice(0)) resolve();
      });
    this.lines.add(line);
    void line.finally(() => this.lines.delete(line));
  }

  /** Works the partition's line while holding its turn: first job after first job, until one must wait. */
  private async take(turn: JsMsg): Promise<void> {
    const partition = parsePartitionSubject(turn.subject);
    if (!partition) {
      this.log.error({ subject: turn.subject }, 'dropping a turn on a subject that names no partition');
      turn.term('not a partition');
      return;
    }
    let state = turnStateOf(turn.headers);
    for (;;) {
      const head = await this.first(partition);
      if (!head) return this.finishLine(turn, partition);
      const current = state?.head === head.seq ? state : undefined;
      const wait = current ? current.dueAt - Date.now() : 0;
      if (wait > 0) {
        // Early (a turn passed on is delivered at once): back until the first job is due.
        turn.nak(wait);
        return;
      }
      const released = await this.attempt(turn, partition, head, current);
      if (released.kind === 'passed') return void turn.ack();
      if (released.kind === 'given_back') return void turn.nak(released.delayMs);
      await this.manager()
        .streams.deleteMessage(STREAMS.ordered.name, head.seq, false)
        .catch((error: unknown) => {
          // Already gone (another holder after this one's turn expired): the line moved on anyway.
          if (!/no message found/i.test(String((error as Error).message))) throw error;
        });
      state = undefined;
    }
  }

  /** The partition's first job, or null when its line is empty. */
  private first(partition: OrderedPartition): Promise<StoredMsg | null> {
    return this.manager().direct.getMessage(STREAMS.ordered.name, {
      next_by_subj: SUBJECTS.orderedJob(partition),
      seq: 0,
    });
  }

  /**
   * An empty line gives its turn up, then looks once more: a job queued meanwhile found the turn
   * taken and gave none, so it gets one here. (Should this dispatcher die in between, the sweep
   * gives that line a turn.)
   */
  private async finishLine(turn: JsMsg, partition: OrderedPartition): Promise<void> {
    await turn.ackAck();
    if (await this.first(partition)) await offerTurn(this.publisher, partition);
  }

  /** Hands the first job to the deliverer and resolves when the deliverer lets it go. */
  private attempt(
    turn: JsMsg,
    partition: OrderedPartition,
    head: StoredMsg,
    current: TurnState | undefined,
  ): Promise<Release> {
    const trace = this.tracing.consume(
      { subject: head.subject, data: head.data, headers: head.header },
      SUBJECT_TEMPLATES.orderedJob,
      ORDERED_CONSUMER,
    );
    const decoded = decodeJob(head.data);
    if (!decoded.ok) {
      trace.run(() =>
        this.log.error({ subject: head.subject, seq: head.seq, reason: decoded.reason }, 'dropping an invalid job'),
      );
      trace.end(new Error(decoded.reason));
      return Promise.resolve({ kind: 'settled' });
    }
    const job = { ...decoded.job, attempt: current?.attempt ?? 1 };
    trace.annotate({
      'callbacks.delivery.id': job.deliveryId,
      'callbacks.delivery.attempt': job.attempt,
      'callbacks.callback.id': job.callback.id,
    });
    return new Promise<Release>((resolve) => {
      let passed = false;
      const release = (released: Release, traceOf: MessageTrace) => {
        traceOf.end();
        resolve(released);
      };
      const work: Work = {
        job,
        endpoint: endpointOf(job),
        trace,
        held: {
          working: () => turn.working(),
          ack: () => release(passed ? { kind: 'passed' } : { kind: 'settled' }, trace),
          nak: (delayMs) => release({ kind: 'given_back', delayMs }, trace),
        },
        reschedule: async (attempt, at) => {
          await passTurn(this.publisher, partition, turn.seq, { head: head.seq, attempt, dueAt: at.getTime() });
          passed = true;
        },
      };
      trace.run(() => this.deliverer.submit(work));
    });
  }

  /**
   * Gives every non-empty line a turn unless it has one: the safety net for a line whose last
   * holder died between giving its turn up and looking again.
   */
  private async sweep(): Promise<void> {
    try {
      const info = await this.manager().streams.info(STREAMS.ordered.name, {
        subjects_filter: SUBJECTS.allOrderedJobs,
      });
      for (const subject of Object.keys(info.state.subjects ?? {})) {
        const partition = parsePartitionSubject(subject);
        if (partition) await offerTurn(this.publisher, partition);
      }
    } catch (error) {
      this.log.warn({ err: error }, 'could not sweep the ordered lines; trying again later');
    }
  }

  private manager(): JetStreamManager {
    if (!this.jsm) throw new Error('the turn consumer is not started');
    return this.jsm;
  }

  /** Stops pulling; lines in hand end as the deliverer gives their jobs back. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.sweeping);
    for (const resolve of this.roomWaiters.splice(0)) resolve();
    await this.consuming.stop(() => this.fetched?.close());
  }

  /** Resolves when the lines in hand have let their turns go (after the deliverer drained). */
  async settled(): Promise<void> {
    await Promise.all(this.lines);
    clearInterval(this.keepAlive);
  }
}

/** The consumer or its stream no longer exists: fetching again cannot help. */
function isGone(error: unknown): boolean {
  if (
    error instanceof JetStreamApiError &&
    (error.code === JetStreamApiCodes.ConsumerNotFound || error.code === JetStreamApiCodes.StreamNotFound)
  )
    return true;
  return error instanceof Error && /consumer (deleted|not found)|stream not found/i.test(error.message);
}
