/**
 * What a counting receiver saw: every arrival with its delivery id (repeats included, to count
 * them) and the distinct ids; `waitForDistinct` resolves when enough different deliveries came,
 * so tests and benchmarks wait for an event instead of sleeping.
 */
export abstract class ArrivalLog<A extends { deliveryId: string }> {
  readonly arrivals: A[] = [];
  readonly distinct = new Set<string>();
  private waiters: { count: number; resolve: () => void }[] = [];

  /** True once `count` distinct deliveries arrived; false if they did not within `timeoutMs`. */
  waitForDistinct(count: number, timeoutMs: number): Promise<boolean> {
    if (this.distinct.size >= count) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.waiters.push({
        count,
        resolve: () => {
          clearTimeout(timer);
          resolve(true);
        },
      });
    });
  }

  protected recordArrivals(arrivals: readonly A[]): void {
    for (const arrival of arrivals) {
      this.arrivals.push(arrival);
      this.distinct.add(arrival.deliveryId);
    }
    this.waiters = this.waiters.filter((w) => {
      if (this.distinct.size < w.count) return true;
      w.resolve();
      return false;
    });
  }
}
