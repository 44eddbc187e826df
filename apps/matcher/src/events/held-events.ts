import { type NatsConnection, type Subscription } from '@nats-io/transport-node';
import type { Logger } from '@callbacks/logger';
import { SUBJECTS } from '@callbacks/messaging';

/** What one notice carries: the sender, and per event its stream sequence then its line hashes. */
interface Notice {
  from: string;
  events: number[][];
}

/**
 * Matcher instances tell each other, as soon as each has matched an event, that it holds the
 * event and which ordered lines its jobs join (OrderedLines), so that a job waits only for other
 * instances' earlier events of its own line rather than for every earlier event to be
 * acknowledged. Core NATS, at most once, the notices of one macrotask in one message: a notice
 * lost (or an instance that never hears one) only makes jobs wait for the ack floor instead.
 */
export class HeldEvents {
  private pending: number[][] = [];
  private subscription: Subscription | undefined;

  constructor(
    private readonly nc: NatsConnection,
    private readonly instance: string,
    private readonly log: Logger,
  ) {}

  /** Hands every other instance's notices to `heard`. */
  listen(heard: (seq: number, lines: readonly number[]) => void): void {
    this.subscription = this.nc.subscribe(SUBJECTS.heldEvents, {
      callback: (error, msg) => {
        if (error) return this.log.warn({ err: error }, 'held events subscription failed');
        let notice: Notice;
        try {
          notice = msg.json<Notice>();
        } catch (parseError) {
          return this.log.warn({ err: parseError }, 'ignoring an unreadable held events notice');
        }
        if (notice.from === this.instance || !Array.isArray(notice.events)) return;
        for (const [seq, ...lines] of notice.events) if (typeof seq === 'number') heard(seq, lines);
      },
    });
  }

  /** Tells the others that this instance holds event `seq`, whose ordered jobs join lines `lines`. */
  announce(seq: number, lines: readonly number[]): void {
    if (this.pending.length === 0) setImmediate(() => this.flush());
    this.pending.push([seq, ...lines]);
  }

  private flush(): void {
    const events = this.pending;
    this.pending = [];
    if (events.length === 0 || this.nc.isClosed()) return;
    this.nc.publish(SUBJECTS.heldEvents, JSON.stringify({ from: this.instance, events } satisfies Notice));
  }

  close(): void {
    this.flush();
    this.subscription?.unsubscribe();
  }
}
