import { describe, expect, it } from 'vitest';
import { createLogger } from '@callbacks/logger';
import { AttemptResult, Outcome } from '@callbacks/proto/callbacks/delivery/v1/delivery_job';
import { DeliveryState } from '@callbacks/proto/callbacks/v1/delivery';
import type { CallbackRepository } from '../callbacks/ports';
import type { UpdateCallback } from '../callbacks/update-callback';
import { EndpointHealth } from './endpoint-health';
import type { DeliveryLog, DeliveryRecord, EndpointHealthStore, RecordedAttempt } from './ports';
import { RecordAttemptResult } from './record-attempt-result';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000);

/** Keeps what a batch writes, as the Mongo log would be asked to write it. */
class WrittenLog implements Pick<DeliveryLog, 'record'> {
  readonly deliveries: DeliveryRecord[][] = [];
  readonly attempts: RecordedAttempt[][] = [];
  record(deliveries: readonly DeliveryRecord[], attempts: readonly RecordedAttempt[]) {
    this.deliveries.push([...deliveries]);
    this.attempts.push([...attempts]);
    return Promise.resolve([...attempts]);
  }
}

/** Endpoint health by the same rules as the Mongo store, in memory, with the calls it got. */
class HealthInMemory implements EndpointHealthStore {
  readonly calls: string[] = [];
  private lastSuccess = new Map<string, Date>();
  private failingSince = new Map<string, Date>();
  succeeded(callbackId: string, when: Date) {
    this.calls.push(`succeeded ${when.toISOString()}`);
    const last = this.lastSuccess.get(callbackId);
    if (!last || last < when) this.lastSuccess.set(callbackId, when);
    const since = this.failingSince.get(callbackId);
    if (since && since <= when) this.failingSince.delete(callbackId);
    return Promise.resolve();
  }
  failed(callbackId: string, when: Date) {
    this.calls.push(`failed ${when.toISOString()}`);
    const last = this.lastSuccess.get(callbackId);
    if (last && last >= when) return Promise.resolve(undefined);
    const since = this.failingSince.get(callbackId);
    if (!since || when < since) this.failingSince.set(callbackId, when);
    return Promise.resolve(this.failingSince.get(callbackId));
  }
  restart(callbackId: string) {
    this.failingSince.delete(callbackId);
    return Promise.resolve();
  }
  failingSinceOf(callbackIds: readonly string[]) {
    return Promise.resolve(
      new Map(
        callbackIds.flatMap((id) => (this.failingSince.has(id) ? [[id, this.failingSince.get(id)!] as const] : [])),
      ),
    );
  }
  since(callbackId: string) {
    return this.failingSince.get(callbackId);
  }
}

function world() {
  const log = new WrittenLog();
  const store = new HealthInMemory();
  const never = new Proxy({}, { get: () => () => Promise.reject(new Error('no callback is disabled in these tests')) });
  const health = new EndpointHealth({
    store,
    repository: never as CallbackRepository,
    update: never as UpdateCallback,
    failingPeriodMs: 24 * 60 * 60_000,
    clock: () => at(1000),
    log: createLogger({ service: 'test', level: 'silent' }),
  });
  const recorder = new RecordAttemptResult({
    log: log as unknown as DeliveryLog,
    health,
    stats: { add: () => Promise.resolve(), read: () => Promise.resolve([]) },
    clock: () => at(1000),
  });
  return { log, store, recorder };
}

function result(
  deliveryId: string,
  attempt: number,
  outcome: Outcome,
  startedAt: Date,
  callbackId = 'cb_1',
): AttemptResult {
  return AttemptResult.fromPartial({
    deliveryId,
    accountId: 'acct_1',
    callbackId,
    eventId: `evt_${deliveryId}`,
    attempt,
    outcome,
    startedAt,
    matchedAt: at(0),
    statusCode: outcome === Outcome.SUCCEEDED ? 200 : 503,
  });
}

describe('RecordAttemptResult, a batch at a time', () => {
  it('records every attempt, and each delivery once, as its latest result leaves it, whatever the order in the batch', async () => {
    const { log, recorder } = world();
    await recorder.execute([
      result('dlv_a', 2, Outcome.SUCCEEDED, at(60)),
      result('dlv_b', 0, Outcome.SKIPPED, at(1)),
      result('dlv_a', 1, Outcome.RETRYING, at(1)),
      result('dlv_a', 2, Outcome.SUCCEEDED, at(60)), // redelivered within the batch
    ]);
    expect(log.attempts).toHaveLength(1);
    expect(log.attempts[0]!.map((a) => `${a.deliveryId}#${a.attempt.number}`)).toEqual([
      'dlv_a#2',
      'dlv_a#1',
      'dlv_a#2',
    ]);
    expect(log.deliveries).toHaveLength(1);
    const written = new Map(log.deliveries[0]!.map((d) => [d.origin.id, d.progress]));
    expect(written.size).toBe(2);
    expect(written.get('dlv_a')).toMatchObject({ state: DeliveryState.SUCCEEDED, attemptCount: 2 });
    expect(written.get('dlv_b')).toMatchObject({
      state: DeliveryState.SKIPPED,
      attemptCount: 0,
      lastAttempt: undefined,
    });
  });

  it("applies a callback's latest success once, before its failures: a failure the callback recovered from starts no failing period", async () => {
    const { store, recorder } = world();
    await recorder.execute([
      result('dlv_a', 1, Outcome.RETRYING, at(10)),
      result('dlv_b', 1, Outcome.SUCCEEDED, at(20)),
      result('dlv_c', 1, Outcome.SUCCEEDED, at(30)),
    ]);
    expect(store.calls).toEqual([`succeeded ${at(30).toISOString()}`, `failed ${at(10).toISOString()}`]);
    expect(store.since('cb_1')).toBeUndefined();

    await recorder.execute([result('dlv_d', 1, Outcome.RETRYING, at(40)), result('dlv_e', 1, Outcome.DEAD, at(50))]);
    expect(store.since('cb_1')).toEqual(at(40));
  });

  it("tells the health store of a failing endpoint's oldest and newest failure in a batch, not of every one", async () => {
    const { store, recorder } = world();
    // Out of order, as results may arrive: the period starts at the oldest failure.
    const seconds = [70, 20, 90, 40, 30, 80, 60, 50];
    await recorder.execute(seconds.map((second, i) => result(`dlv_${i}`, 1, Outcome.RETRYING, at(second))));
    expect(store.calls).toEqual([`failed ${at(20).toISOString()}`, `failed ${at(90).toISOString()}`]);
    expect(store.since('cb_1')).toEqual(at(20));
  });
});
