import { describe, expect, it } from 'vitest';
import { createLogger } from '@callbacks/logger';
import type { MessageTrace } from '@callbacks/telemetry';
import { sampleEvent } from '@callbacks/testing';
import type { AttemptOutcome } from './attempt';
import { Deliverer, type DelivererSettings, type Work } from './deliverer';
import type { ReadyJob } from './job';
import { RetryPolicy } from './retry-policy';

const trace: MessageTrace = {
  run: (work) => work(),
  publish: (_message, send) => send(),
  request: () => ({ headers: {}, end: () => undefined }),
  annotate: () => undefined,
  end: () => undefined,
  spanContext: () => undefined,
};

const settings: DelivererSettings = {
  concurrency: 2,
  maxConcurrency: 10,
  timeoutMs: 1_000,
  maxTimeoutMs: 1_000,
  queueLimit: 100,
  maxQueueWaitMs: 30_000,
  stallMs: 2_000,
  deferDelayMs: 5_000,
  deferRate: 500,
  breaker: { threshold: 3, cooldownMs: 30_000, maxCooldownMs: 600_000 },
  retry: new RetryPolicy([60_000], 0, 0),
};

const failed = (): AttemptOutcome => ({
  verdict: 'failed',
  startedAt: new Date(),
  durationMs: 1,
  statusCode: 500,
  errorClass: 'http_status',
  errorMessage: 'the receiver answered 500',
  excerpt: '',
  retryAfterMs: undefined,
  unhealthy: true,
});

let next = 0;
function work(settled: string[]): Work {
  const id = `dl_${next++}`;
  const job = {
    deliveryId: id,
    attempt: 1,
    callback: { id: 'cb_1', accountId: 'a', databaseId: 'd', collectionId: '', url: 'https://receiver.test/hook', format: 1, deliveryPolicy: undefined, revision: 1 },
    event: sampleEvent(),
    matchedAt: new Date(),
    replayOf: '',
    skipped: false,
  } as ReadyJob;
  return { job, endpoint: 'https://receiver.test', trace, held: { working: () => undefined, ack: () => settled.push(id), nak: () => settled.push(id) } };
}

describe('Deliverer', () => {
  it('trips an endpoint breaker on failures in a row even when its jobs come one at a time', async () => {
    let clock = 0;
    const attempted: string[] = [];
    const deferred: string[] = [];
    const settled: string[] = [];
    const deliverer = new Deliverer(
      {
        attempt: async (job) => {
          attempted.push(job.deliveryId);
          return failed();
        },
        schedule: async (job, attempt) => {
          if (attempt === job.attempt) deferred.push(job.deliveryId); // the same attempt again: a deferral
        },
        report: async () => undefined,
        log: createLogger({ service: 'test', level: 'silent' }),
        now: () => clock,
      },
      settings,
    );
    // Each job is done with before the next arrives, the endpoint idle in between.
    for (let i = 0; i < 6; i++) {
      const w = work(settled);
      deliverer.submit(w);
      while (!settled.includes(w.job.deliveryId)) await new Promise((resolve) => setImmediate(resolve));
      clock += 500;
      deliverer.shed();
    }
    expect(attempted).toHaveLength(3);
    expect(deferred).toHaveLength(3);
  });

  it('forgets an idle endpoint once there is nothing to remember', async () => {
    let clock = 0;
    const settled: string[] = [];
    const deliverer = new Deliverer(
      {
        attempt: async () => ({ ...failed(), verdict: 'succeeded', statusCode: 200, errorClass: '', errorMessage: '', unhealthy: false }),
        schedule: async () => undefined,
        report: async () => undefined,
        log: createLogger({ service: 'test', level: 'silent' }),
        now: () => clock,
      },
      settings,
    );
    const w = work(settled);
    deliverer.submit(w);
    while (!settled.includes(w.job.deliveryId)) await new Promise((resolve) => setImmediate(resolve));
    deliverer.shed();
    expect(deliverer.endpointStates()).toHaveLength(1);
    clock += 1_000;
    deliverer.shed();
    expect(deliverer.endpointStates()).toHaveLength(0);
    expect(deliverer.heldCount).toBe(0);
  });
});

/**
 * Fake time for a deliverer and the stream behind it: attempts take `latencyMs` of it, and a job
 * scheduled for later (a retry or a deferral) is submitted again when the clock gets there.
 */
class Simulation {
  clock = 0;
  private readonly timers: { at: number; fire: () => void }[] = [];
  readonly deliverer: Deliverer;
  readonly deferrals: number[] = [];
  readonly delivered = new Map<string, number>();
  private concurrent = 0;
  maxConcurrent = 0;

  constructor(
    custom: Partial<DelivererSettings>,
    private readonly receiver: (now: number) => { latencyMs: number; ok: boolean },
  ) {
    this.deliverer = new Deliverer(
      {
        attempt: (job) =>
          new Promise((resolve) => {
            const answer = this.receiver(this.clock);
            this.concurrent++;
            this.maxConcurrent = Math.max(this.maxConcurrent, this.concurrent);
            this.after(answer.latencyMs, () => {
              this.concurrent--;
              if (answer.ok) this.delivered.set(job.deliveryId, (this.delivered.get(job.deliveryId) ?? 0) + 1);
              resolve(answer.ok ? { ...failed(), verdict: 'succeeded', statusCode: 200, errorClass: '', errorMessage: '', unhealthy: false } : failed());
            });
          }),
        schedule: async (job, attempt, at) => {
          if (attempt === job.attempt) this.deferrals.push(at.getTime());
          this.after(at.getTime() - this.clock, () => this.deliverer.submit(this.work({ ...job, attempt })));
        },
        report: async () => undefined,
        log: createLogger({ service: 'test', level: 'silent' }),
        now: () => this.clock,
      },
      { ...settings, ...custom },
    );
    const shed = () => {
      this.deliverer.shed();
      this.after(1_000, shed);
    };
    this.after(1_000, shed);
  }

  work(job: ReadyJob): Work {
    return { job, endpoint: 'https://receiver.test', trace, held: { working: () => undefined, ack: () => undefined, nak: () => undefined } };
  }

  after(ms: number, fire: () => void): void {
    // Kept latest first, so the next one pops off the end; equal times fire in the order set.
    const at = this.clock + Math.max(0, ms);
    let low = 0;
    let high = this.timers.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (this.timers[mid]!.at > at) low = mid + 1;
      else high = mid;
    }
    this.timers.splice(low, 0, { at, fire });
  }

  /** Runs the clock until `done` holds or `limitMs` of fake time have passed. */
  async run(done: () => boolean, limitMs: number): Promise<void> {
    while (!done() && this.clock < limitMs) {
      const next = this.timers.pop();
      if (!next) break;
      this.clock = next.at;
      next.fire();
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** The most deferred jobs due within any one second. */
  busiestSecond(): number {
    const due = [...this.deferrals].sort((a, b) => a - b);
    let most = 0;
    for (let first = 0, last = 0; last < due.length; last++) {
      while (due[last]! - due[first]! >= 1_000) first++;
      most = Math.max(most, last - first + 1);
    }
    return most;
  }
}

function jobs(count: number): ReadyJob[] {
  return Array.from({ length: count }, () => work([]).job);
}

describe('Deliverer giving jobs back', () => {
  it('gives a slow endpoint its overflow back at the pace it takes jobs, so each is given back once or twice', async () => {
    // 2 at a time, 100 ms each: 20 jobs a second, for a burst of 2,000.
    const sim = new Simulation({ queueLimit: 100 }, () => ({ latencyMs: 100, ok: true }));
    const burst = jobs(2_000);
    for (const job of burst) sim.deliverer.submit(sim.work(job));
    await sim.run(() => sim.delivered.size === burst.length, 3_600_000);
    expect(sim.delivered.size).toBe(burst.length);
    expect([...sim.delivered.values()].every((times) => times === 1)).toBe(true);
    expect(sim.maxConcurrent).toBe(2);
    // 1,900 did not fit the queue. Given back every few seconds until there was room, they came
    // back 6 times each (12,049 deferrals); lined up at the endpoint's pace, less than twice:
    // once before the pace is known, once more for those still too early.
    expect(sim.deferrals.length).toBeLessThan(2 * burst.length);
    expect(sim.busiestSecond()).toBeLessThanOrEqual(500);
  });

  it('paces a very slow endpoint by its attempts, not by the time since it last finished one', async () => {
    // One at a time, 5 s each: fewer than 8 attempts finish in any 30 s. Jobs come twice as fast.
    const sim = new Simulation({ concurrency: 1, queueLimit: 100 }, () => ({ latencyMs: 5_000, ok: true }));
    const arriving = jobs(300);
    arriving.forEach((job, i) => sim.after(i * 2_500, () => sim.deliverer.submit(sim.work(job))));
    await sim.run(() => sim.delivered.size === arriving.length, 24 * 3_600_000);
    expect(sim.delivered.size).toBe(arriving.length);
    expect(sim.maxConcurrent).toBe(1);
    // Paced by the attempts finished within the last 30 s, it knew no pace here and gave jobs
    // back every few seconds: 21,905 times. By its attempts' durations, about once each (311).
    expect(sim.deferrals.length).toBeLessThan(2 * arriving.length);
  });

  it('brings a failing endpoint its jobs back at a bounded pace, not all at once when the breaker lets one through', async () => {
    const sim = new Simulation({ retry: new RetryPolicy(Array(20).fill(60_000), 0, 0) }, (now) => ({ latencyMs: 5, ok: now > 300_000 }));
    const backlog = jobs(5_000);
    for (const job of backlog) sim.deliverer.submit(sim.work(job));
    await sim.run(() => sim.delivered.size === backlog.length, 7_200_000);
    expect(sim.delivered.size).toBe(backlog.length);
    expect([...sim.delivered.values()].every((times) => times === 1)).toBe(true);
    // Each time the breaker let an attempt through, all 4,999 deferred jobs used to be due
    // within the same second; now no more than DISPATCHER_DEFER_RATE of them.
    expect(sim.busiestSecond()).toBeLessThanOrEqual(500);
  });
});
