import { describe, expect, it } from 'vitest';
import { createLogger } from '@callbacks/logger';
import { disabledTelemetry, type MessageTrace } from '@callbacks/telemetry';
import { sampleEvent } from '@callbacks/testing';
import { Deliverer, type Work } from './delivery/deliverer';
import type { ReadyJob } from './delivery/job';
import { RetryPolicy } from './delivery/retry-policy';
import { DispatcherMetrics } from './metrics';

const noTrace: MessageTrace = {
  run: (work) => work(),
  publish: (_message, send) => send(),
  request: () => ({ headers: {}, end: () => undefined }),
  annotate: () => undefined,
  end: () => undefined,
  spanContext: () => undefined,
};

function work(endpoint: string): Work {
  const job = {
    deliveryId: `dl_${Math.random()}`,
    attempt: 1,
    callback: {
      id: 'cb_1',
      accountId: 'a',
      databaseId: 'd',
      collectionId: '',
      url: `${endpoint}/hook`,
      format: 1,
      deliveryPolicy: undefined,
      revision: 1,
    },
    event: sampleEvent(),
    matchedAt: new Date(),
    replayOf: '',
    skipped: false,
  } as ReadyJob;
  return {
    job,
    endpoint,
    trace: noTrace,
    held: { working: () => undefined, ack: () => undefined, nak: () => undefined },
  };
}

describe('DispatcherMetrics', () => {
  it('shows deferrals per endpoint and reason, and when the waiting ones are due', async () => {
    const now = 1_700_000_000_000;
    const deliverer = new Deliverer(
      {
        attempt: () => new Promise(() => undefined), // never answers: the first job stays in flight
        schedule: async () => undefined,
        report: async () => undefined,
        log: createLogger({ service: 'test', level: 'silent' }),
        now: () => now,
        random: () => 0.5,
      },
      {
        concurrency: 1,
        maxConcurrency: 1,
        timeoutMs: 1_000,
        maxTimeoutMs: 1_000,
        queueLimit: 1,
        maxQueueWaitMs: 30_000,
        stallMs: 2_000,
        deferDelayMs: 5_000,
        deferRate: 500,
        breaker: { threshold: 3, cooldownMs: 30_000, maxCooldownMs: 600_000 },
        retry: new RetryPolicy([60_000], 0, 0),
      },
    );
    const telemetry = disabledTelemetry('dispatcher');
    new DispatcherMetrics(telemetry, 1).watch(deliverer);
    // Busy: one in flight, one queued, two given back. Quiet: one in flight.
    for (let i = 0; i < 4; i++) deliverer.submit(work('https://busy.test'));
    deliverer.submit(work('https://quiet.test'));

    const text = await telemetry.metrics.metrics();
    expect(text).toContain(
      'callbacks_dispatcher_endpoint_deferrals_total{endpoint="https://busy.test",reason="queue_full"} 2',
    );
    expect(text).toContain(
      'callbacks_dispatcher_endpoint_deferrals_total{endpoint="https://busy.test",reason="breaker_open"} 0',
    );
    expect(text).toContain('callbacks_dispatcher_endpoint_deferrals_total{endpoint="other",reason="queue_full"} 0');
    expect(text).toContain('callbacks_dispatcher_endpoint_deferred{endpoint="https://busy.test"} 2');
    expect(text).toContain(
      `callbacks_dispatcher_endpoint_deferred_due_timestamp_seconds{endpoint="https://busy.test",due="earliest"} ${(now + 5_000) / 1000}`,
    );
    expect(text).toContain(
      `callbacks_dispatcher_endpoint_deferred_due_timestamp_seconds{endpoint="https://busy.test",due="latest"} ${(now + 5_000) / 1000}`,
    );
    // Nothing given back for the others: no due times to show.
    expect(text).not.toContain('callbacks_dispatcher_endpoint_deferred_due_timestamp_seconds{endpoint="other"');
  });
});
