import { describe, expect, it } from 'vitest';
import { BufferedDeliveryStats } from './buffered-stats';
import type { MinuteTally } from './delivery-stats';
import type { DeliveryStatsStore } from './ports';

const minute = new Date('2026-01-01T10:00:00Z');
const tally = (succeeded: number, dead = 0): MinuteTally => ({
  accountId: '42',
  callbackId: 'cb_1',
  minute,
  counts: { succeeded, retrying: 0, dead },
  latency: [succeeded + dead],
});

class Store implements DeliveryStatsStore {
  readonly writes: MinuteTally[][] = [];
  failNext = false;
  add(tallies: readonly MinuteTally[]) {
    if (this.failNext) {
      this.failNext = false;
      return Promise.reject(new Error('the database is unavailable'));
    }
    this.writes.push([...tallies]);
    return Promise.resolve();
  }
  read() {
    return Promise.resolve(this.writes.flat());
  }
}

describe('BufferedDeliveryStats', () => {
  it('writes what was added since the last flush as one tally per callback and minute', async () => {
    const store = new Store();
    const stats = new BufferedDeliveryStats(store, () => undefined);
    await stats.add([tally(1)]);
    await stats.add([tally(2, 1)]);
    expect(store.writes).toEqual([]);
    await stats.flush();
    expect(store.writes).toEqual([[tally(3, 1)]]);
    await stats.flush();
    expect(store.writes).toHaveLength(1);
  });

  it('reads what was added, also when it was not flushed yet', async () => {
    const stats = new BufferedDeliveryStats(new Store(), () => undefined);
    await stats.add([tally(2)]);
    expect(await stats.read({ callbackId: 'cb_1', from: minute, until: new Date(minute.getTime() + 60_000) })).toEqual([
      tally(2),
    ]);
  });

  it('keeps what a failed write had for the next one', async () => {
    const store = new Store();
    const stats = new BufferedDeliveryStats(store, () => undefined);
    await stats.add([tally(1)]);
    store.failNext = true;
    await expect(stats.flush()).rejects.toThrow(/unavailable/);
    await stats.add([tally(1)]);
    await stats.flush();
    expect(store.writes).toEqual([[tally(2)]]);
  });
});
