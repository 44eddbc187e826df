import type { ProfileEventPublisher } from '@callbacks/messaging';
import type { ProfileEvent } from '@callbacks/proto/callbacks/events/v1/profile_event';

/**
 * Publishes events at a steady rate, as an internal service would: each one retried (same
 * event id, so JetStream drops repeats) until the stream acknowledges it, through NATS restarts.
 */
export class SteadyLoad {
  readonly published: ProfileEvent[] = [];
  /** When each event was first handed to the publisher (ms, performance clock). */
  readonly sentAt = new Map<string, number>();
  retries = 0;
  private running = true;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly publisher: ProfileEventPublisher,
    private readonly next: (n: number) => ProfileEvent,
    private readonly perSecond: number,
    /** Publishes awaiting their acknowledgement at most; beyond, the load waits (as fast as it can). */
    private readonly maxInFlight = 1_000,
  ) {}

  /** Starts producing, until `stop` or `count` events. */
  start(count = Infinity): void {
    this.loop = this.run(count);
  }

  /** Resolves when `count` events are produced and acknowledged. */
  async finished(): Promise<void> {
    await this.loop;
  }

  /** Stops producing; resolves when every event produced so far is acknowledged. */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  private async run(count: number): Promise<void> {
    const inFlight = new Set<Promise<void>>();
    const started = performance.now();
    for (let n = 0; this.running && n < count; n++) {
      const due = started + (n * 1000) / this.perSecond;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const event = this.next(n);
      this.sentAt.set(event.eventId, performance.timeOrigin + performance.now());
      const task = this.publishUntilStored(event).then(() => void this.published.push(event));
      inFlight.add(task);
      void task.finally(() => inFlight.delete(task));
      if (inFlight.size >= this.maxInFlight) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  }

  private async publishUntilStored(event: ProfileEvent): Promise<void> {
    for (;;) {
      try {
        await this.publisher.publish(event);
        return;
      } catch {
        this.retries++;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  }
}
