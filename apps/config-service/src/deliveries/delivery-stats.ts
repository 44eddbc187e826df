import { Outcome } from '@callbacks/proto/callbacks/delivery/v1/delivery_job';
import type { AttemptCounts, StatsBucket } from '@callbacks/proto/callbacks/v1/callback_service';
import type { RecordedAttempt } from './ports';

const MINUTE = 60_000;

/**
 * Upper bounds (ms) of the latency histogram's buckets; the last one is open. Percentiles are
 * read from it, so they are estimates within a bucket: a fixed histogram per minute is what lets
 * statistics be counted as results arrive, instead of read from every attempt of a period.
 */
export const LATENCY_BOUNDS_MS = [
  5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 15_000, 30_000, 60_000,
] as const;

/** Attempts of one callback in one minute: counts by outcome and a latency histogram. */
export interface MinuteTally {
  accountId: string;
  callbackId: string;
  /** The minute's start. */
  minute: Date;
  counts: AttemptCounts;
  /**
   * Attempts per latency bucket (index into LATENCY_BOUNDS_MS; its length: over the last bound).
   * A store may keep it per hour and return it with one of the hour's minutes.
   */
  latency: number[];
}

export function emptyCounts(): AttemptCounts {
  return { succeeded: 0, retrying: 0, dead: 0 };
}

/** Adds a tally's counts and latency histogram to another one's. */
export function addTally(into: MinuteTally, tally: MinuteTally): void {
  add(into.counts, tally.counts);
  tally.latency.forEach((n, i) => (into.latency[i] = (into.latency[i] ?? 0) + n));
}

/** A copy that others can be added to without changing the tally. */
export function copyTally(tally: MinuteTally): MinuteTally {
  return { ...tally, counts: { ...tally.counts }, latency: [...tally.latency] };
}

export function latencyBucket(ms: number): number {
  const index = LATENCY_BOUNDS_MS.findIndex((bound) => ms <= bound);
  return index === -1 ? LATENCY_BOUNDS_MS.length : index;
}

/** What attempts newly recorded add to the statistics, one tally per callback and minute. */
export function tallyAttempts(attempts: readonly RecordedAttempt[]): MinuteTally[] {
  const tallies = new Map<string, MinuteTally>();
  for (const { accountId, callbackId, outcome, attempt } of attempts) {
    const started = attempt.startTime?.getTime() ?? 0;
    const minute = Math.floor(started / MINUTE) * MINUTE;
    const key = `${callbackId}\u0000${minute}`;
    let tally = tallies.get(key);
    if (!tally) {
      tally = {
        accountId,
        callbackId,
        minute: new Date(minute),
        counts: emptyCounts(),
        latency: new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0),
      };
      tallies.set(key, tally);
    }
    if (outcome === Outcome.SUCCEEDED) tally.counts.succeeded++;
    else if (outcome === Outcome.RETRYING) tally.counts.retrying++;
    else tally.counts.dead++;
    const ms = (attempt.duration?.seconds ?? 0) * 1_000 + (attempt.duration?.nanos ?? 0) / 1e6;
    const bucket = latencyBucket(ms);
    tally.latency[bucket] = (tally.latency[bucket] ?? 0) + 1;
  }
  return [...tallies.values()];
}

export interface StatsSummary {
  buckets: StatsBucket[];
  totals: AttemptCounts;
  failureRate: number;
  latencyP50Ms: number;
  latencyP90Ms: number;
  latencyP99Ms: number;
}

/**
 * Minute tallies into intervals of `intervalMs` over [from, until) (both whole intervals of the
 * period, every interval present, also the empty ones), totals, failure rate and percentiles.
 */
export function summarise(tallies: readonly MinuteTally[], from: Date, until: Date, intervalMs: number): StatsSummary {
  const start = from.getTime();
  const count = Math.ceil((until.getTime() - start) / intervalMs);
  const buckets: StatsBucket[] = Array.from({ length: count }, (_, i) => ({
    startTime: new Date(start + i * intervalMs),
    counts: emptyCounts(),
  }));
  const totals = emptyCounts();
  const histogram = new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0);
  for (const tally of tallies) {
    const at = tally.minute.getTime();
    if (at < start || at >= until.getTime()) continue;
    const counts = buckets[Math.floor((at - start) / intervalMs)]?.counts;
    if (!counts) continue;
    add(counts, tally.counts);
    add(totals, tally.counts);
    tally.latency.forEach((n, i) => (histogram[i] = (histogram[i] ?? 0) + n));
  }
  const all = totals.succeeded + totals.retrying + totals.dead;
  return {
    buckets,
    totals,
    failureRate: all === 0 ? 0 : (totals.retrying + totals.dead) / all,
    latencyP50Ms: percentile(histogram, 0.5),
    latencyP90Ms: percentile(histogram, 0.9),
    latencyP99Ms: percentile(histogram, 0.99),
  };
}

function add(into: AttemptCounts, counts: AttemptCounts): void {
  into.succeeded += counts.succeeded;
  into.retrying += counts.retrying;
  into.dead += counts.dead;
}

/** The q-quantile of a histogram, interpolated linearly within its bucket; 0 when it is empty. */
export function percentile(histogram: readonly number[], q: number): number {
  const total = histogram.reduce((sum, n) => sum + n, 0);
  if (total === 0) return 0;
  const rank = q * total;
  let below = 0;
  for (let i = 0; i < histogram.length; i++) {
    const n = histogram[i] ?? 0;
    if (n > 0 && below + n >= rank) {
      const lower = i === 0 ? 0 : (LATENCY_BOUNDS_MS[i - 1] ?? 0);
      // Over the last bound nothing says how far: the bound itself is the honest floor.
      const upper = LATENCY_BOUNDS_MS[i] ?? lower;
      return lower + ((upper - lower) * (rank - below)) / n;
    }
    below += n;
  }
  return LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 1] ?? 0;
}
