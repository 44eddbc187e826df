import { addTally, copyTally, type MinuteTally } from './delivery-stats';
import type { DeliveryStatsStore } from './ports';

/**
 * Statistics added in memory and written every `flushMs` (and before each read, and at stop):
 * a batch of results then costs no database write for statistics, and the store gets one
 * increment per callback and minute per flush instead of one per batch. That matters on
 * FerretDB 1.24, where each upsert reads the whole collection (mongo/errors.ts). What a crash
 * loses is the statistics of the last `flushMs`, never the delivery log itself.
 */
export class BufferedDeliveryStats implements DeliveryStatsStore {
  private pending = new Map<string, MinuteTally>();
  private flushing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: DeliveryStatsStore,
    private readonly onError: (error: unknown) => void,
  ) {}

  start(flushMs: number): void {
    this.timer = setInterval(() => void this.flush().catch(this.onError), flushMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush().catch(this.onError);
  }

  add(tallies: readonly MinuteTally[]): Promise<void> {
    for (const tally of tallies) {
      const key = `${tally.callbackId}\u0000${tally.minute.getTime()}`;
      const into = this.pending.get(key);
      if (into) addTally(into, tally);
      else this.pending.set(key, copyTally(tally));
    }
    return Promise.resolve();
  }

  async read(filter: Parameters<DeliveryStatsStore['read']>[0]): Promise<MinuteTally[]> {
    await this.flush();
    return this.store.read(filter);
  }

  /** Writes what was added so far; one write at a time, and a failed one is kept for the next. */
  flush(): Promise<void> {
    // A failed flush has handed its tallies back already; the next one starts afresh.
    this.flushing = this.flushing
      .catch(() => undefined)
      .then(async () => {
        if (this.pending.size === 0) return;
        const tallies = [...this.pending.values()];
        this.pending = new Map();
        try {
          await this.store.add(tallies);
        } catch (error) {
          await this.add(tallies);
          throw error;
        }
      });
    return this.flushing;
  }
}
