import { describe, expect, it } from 'vitest';
import { HeldSuccesses } from './held-successes';
import type { EndpointHealthStore } from './ports';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const at = (ms: number) => new Date(T0 + ms);

/** The calls the health store got, in order; `failing` makes its writes fail. */
class CallLog implements EndpointHealthStore {
  readonly calls: string[] = [];
  failing = false;
  succeeded(callbackId: string, when: Date) {
    if (this.failing) return Promise.reject(new Error('the database is away'));
    this.calls.push(`succeeded ${callbackId} ${when.getTime() - T0}`);
    return Promise.resolve();
  }
  failed(callbackId: string, when: Date) {
    this.calls.push(`failed ${callbackId} ${when.getTime() - T0}`);
    return Promise.resolve(undefined);
  }
  restart(callbackId: string) {
    this.calls.push(`restart ${callbackId}`);
    return Promise.resolve();
  }
  failingSinceOf(callbackIds: readonly string[]) {
    this.calls.push(`failingSinceOf ${callbackIds.join(',')}`);
    return Promise.resolve(new Map<string, Date>());
  }
}

function held() {
  const store = new CallLog();
  const errors: unknown[] = [];
  return { store, errors, successes: new HeldSuccesses(store, 1_000, (error) => errors.push(error)) };
}

describe('HeldSuccesses', () => {
  it("writes a callback's first success at once, holds those within a second after it, and writes the latest at the flush", async () => {
    const { store, successes } = held();
    await successes.succeeded('cb_1', at(0));
    await successes.succeeded('cb_1', at(300));
    await successes.succeeded('cb_1', at(700));
    await successes.succeeded('cb_1', at(500));
    await successes.succeeded('cb_2', at(400));
    expect(store.calls).toEqual(['succeeded cb_1 0', 'succeeded cb_2 400']);

    await successes.flush();
    expect(store.calls).toEqual(['succeeded cb_1 0', 'succeeded cb_2 400', 'succeeded cb_1 700']);
    await successes.flush();
    expect(store.calls).toHaveLength(3);
  });

  it('writes a success a second or more after the last one written at once, and drops one older than it', async () => {
    const { store, successes } = held();
    await successes.succeeded('cb_1', at(0));
    await successes.succeeded('cb_1', at(1_000));
    await successes.succeeded('cb_1', at(999));
    await successes.flush();
    expect(store.calls).toEqual(['succeeded cb_1 0', 'succeeded cb_1 1000']);
  });

  it("writes a callback's held success before its failure is judged, and before its health is read or restarted", async () => {
    const { store, successes } = held();
    await successes.succeeded('cb_1', at(0));
    await successes.succeeded('cb_1', at(200));
    await successes.failed('cb_1', at(250));
    await successes.succeeded('cb_1', at(600));
    await successes.failingSinceOf(['cb_1']);
    await successes.succeeded('cb_1', at(900));
    await successes.restart('cb_1');
    expect(store.calls).toEqual([
      'succeeded cb_1 0',
      'succeeded cb_1 200',
      'failed cb_1 250',
      'succeeded cb_1 600',
      'failingSinceOf cb_1',
      'succeeded cb_1 900',
      'restart cb_1',
    ]);
  });

  it('keeps a success whose write failed for the next flush, and writes the held ones at stop', async () => {
    const { store, errors, successes } = held();
    await successes.succeeded('cb_1', at(0));
    await successes.succeeded('cb_1', at(100));
    store.failing = true;
    await expect(successes.flush()).rejects.toThrow('the database is away');
    store.failing = false;
    await successes.succeeded('cb_1', at(50));
    await successes.stop();
    expect(store.calls).toEqual(['succeeded cb_1 0', 'succeeded cb_1 100']);
    expect(errors).toEqual([]);
  });
});
