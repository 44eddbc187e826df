import { describe, expect, it } from 'vitest';
import { GoneCallbacks } from './gone-callbacks';

describe('GoneCallbacks', () => {
  it('stops the revision answered 410 and older ones, not a newer revision (the user enabled it again)', () => {
    const gone = new GoneCallbacks();
    gone.remember('cb-1', 3, 0);
    expect([
      gone.stops('cb-1', 2, 1),
      gone.stops('cb-1', 3, 1),
      gone.stops('cb-1', 4, 1),
      gone.stops('cb-2', 1, 1),
    ]).toEqual([true, true, false, false]);
  });

  it('forgets an entry after its time, by then the config service has disabled the callback', () => {
    const gone = new GoneCallbacks({ maxEntries: 10, ttlMs: 1_000 });
    gone.remember('cb-1', 3, 0);
    expect(gone.stops('cb-1', 3, 999)).toBe(true);
    expect(gone.stops('cb-1', 3, 1_000)).toBe(false);
    expect(gone.size).toBe(0);
  });

  it('holds at most its bound, dropping the oldest and the expired first', () => {
    const gone = new GoneCallbacks({ maxEntries: 3, ttlMs: 1_000 });
    for (let i = 0; i < 10; i++) gone.remember(`cb-${i}`, 1, i);
    expect(gone.size).toBe(3);
    expect(['cb-6', 'cb-7', 'cb-8', 'cb-9'].map((id) => gone.stops(id, 1, 10))).toEqual([false, true, true, true]);
    gone.remember('cb-late', 1, 2_000);
    expect(gone.size).toBe(1);
  });
});
