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
        disable: async () => undefined,
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
        disable: async () => undefined,
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
