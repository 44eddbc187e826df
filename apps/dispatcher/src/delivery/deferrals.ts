/** Why a job was given back instead of held (a label of the per-endpoint deferral count). */
export type DeferReason = 'queue_full' | 'breaker_open' | 'stalled' | 'rate_limit';

export const DEFER_REASONS: readonly DeferReason[] = ['queue_full', 'breaker_open', 'stalled', 'rate_limit'];

/**
 * One endpoint's deferrals, for operators: how many it gave back and why, and when the ones
 * still waiting in the stream are due. Due times are kept per second (a count each), so a
 * thousand jobs given back cost a few map entries, not a thousand.
 */
export class Deferrals {
  readonly counts: Record<DeferReason, number> = { queue_full: 0, breaker_open: 0, stalled: 0, rate_limit: 0 };
  private readonly dueBySecond = new Map<number, number>();
  /** When the latest deferral was made. */
  last = -Infinity;

  add(reason: DeferReason, now: number, at: number): void {
    this.counts[reason]++;
    this.last = now;
    const second = Math.floor(at / 1000);
    this.dueBySecond.set(second, (this.dueBySecond.get(second) ?? 0) + 1);
  }

  /**
   * The deferred jobs not yet due (given back from here; they may come back to any instance),
   * and the earliest and latest second they are due in (ms since the epoch), if any.
   */
  waiting(now: number): { count: number; earliest: number; latest: number } | undefined {
    const current = Math.floor(now / 1000);
    let count = 0;
    let earliest = Infinity;
    let latest = -Infinity;
    for (const [second, n] of this.dueBySecond) {
      // Due within the current second counts as due: it is back in the stream's hands.
      if (second <= current) {
        this.dueBySecond.delete(second);
        continue;
      }
      count += n;
      earliest = Math.min(earliest, second);
      latest = Math.max(latest, second);
    }
    return count === 0 ? undefined : { count, earliest: earliest * 1000, latest: latest * 1000 };
  }
}
