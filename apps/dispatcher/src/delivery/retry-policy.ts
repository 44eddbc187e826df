/**
 * When attempts happen (SPEC §7.4): the first at once, each next after the schedule's delay with
 * ±jitter; a receiver's Retry-After (429/503) is honoured within bounds but never brings an
 * attempt earlier than the schedule. After the last attempt the delivery is dead.
 */
export class RetryPolicy {
  constructor(
    /** Delay before attempt 2, 3, ...; attempts = delays + 1. */
    readonly delaysMs: readonly number[],
    readonly jitter: number,
    readonly maxRetryAfterMs: number,
    private readonly random: () => number = Math.random,
  ) {
    if (delaysMs.length === 0) throw new Error('the retry schedule needs at least one delay');
    if (!(jitter >= 0 && jitter < 1)) throw new Error('the jitter must be from 0 to less than 1');
  }

  get maxAttempts(): number {
    return this.delaysMs.length + 1;
  }

  /** Milliseconds until the attempt after `attempt` (1-based), or undefined when it was the last. */
  delayAfter(attempt: number, retryAfterMs?: number): number | undefined {
    const base = this.delaysMs[attempt - 1];
    if (base === undefined) return undefined;
    const jittered = Math.round(base * (1 + this.jitter * (2 * this.random() - 1)));
    if (retryAfterMs === undefined) return jittered;
    return Math.max(jittered, Math.min(retryAfterMs, this.maxRetryAfterMs));
  }
}

/** The default schedule of SPEC §7.4: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h. */
export const DEFAULT_RETRY_SCHEDULE = '5s,5m,30m,2h,5h,10h,14h,20h,24h';
