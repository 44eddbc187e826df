import { describe, expect, it } from 'vitest';
import { createLogger } from '@callbacks/logger';
import type { Callback } from '@callbacks/proto/callbacks/v1/callback';
import { sampleCallback } from '@callbacks/testing';
import { CallbackIndex } from './callback-index';
import { CallbackSync, type CallbackSource } from './callback-sync';

/** A config service whose snapshots the test hands out one by one. */
class SnapshotSource implements CallbackSource {
  readonly reads: { resolve: (callbacks: Callback[]) => void; reject: (error: Error) => void }[] = [];
  loadAll(): Promise<Callback[]> {
    return new Promise((resolve, reject) => this.reads.push({ resolve, reject }));
  }
  /** Answers the n-th read (from 0) once it has been made. */
  async answer(n: number, callbacks: Callback[] | Error): Promise<void> {
    while (this.reads.length <= n) await new Promise((resolve) => setImmediate(resolve));
    const read = this.reads[n]!;
    if (callbacks instanceof Error) read.reject(callbacks);
    else read.resolve(callbacks);
  }
}

const log = createLogger({ service: 'test', level: 'silent' });
const callback = (id: string) => sampleCallback({ id, revision: 1 });

describe('CallbackSync', () => {
  it('reads again for a resync asked while an earlier read is under way', async () => {
    const source = new SnapshotSource();
    const index = new CallbackIndex();
    const sync = new CallbackSync(index, source, log, 60_000);
    const first = sync.resync();
    const second = sync.resync(); // e.g. after a reconnect: the first read may predate what it is for
    await source.answer(0, []);
    await first;
    await source.answer(1, [callback('cb_created_meanwhile')]);
    await second;
    expect(source.reads).toHaveLength(2);
    expect(index.get('cb_created_meanwhile')).toBeDefined();
  });

  it('holds matching back while notices may have been lost, until a snapshot read afterwards is in', async () => {
    const source = new SnapshotSource();
    const index = new CallbackIndex();
    const sync = new CallbackSync(index, source, log, 60_000);
    expect(sync.waitForCurrent()).toBeUndefined();

    sync.noticesAtRisk(); // disconnected
    const waiting = sync.waitForCurrent();
    expect(waiting).toBeDefined();
    let matchedWith: Callback | undefined | 'not yet' = 'not yet';
    void waiting!.then(() => (matchedWith = index.get('cb_missed')?.callback));

    const catchingUp = sync.catchUp(); // reconnected
    await new Promise((resolve) => setImmediate(resolve));
    expect(matchedWith).toBe('not yet');
    await source.answer(0, [callback('cb_missed')]);
    await catchingUp;
    expect(matchedWith).toMatchObject({ id: 'cb_missed' });
    expect(sync.waitForCurrent()).toBeUndefined();
  });

  it('lets matching go on with the last snapshot when the config service cannot be reached', async () => {
    const source = new SnapshotSource();
    const sync = new CallbackSync(new CallbackIndex(), source, log, 60_000);
    sync.noticesAtRisk();
    const waiting = sync.waitForCurrent();
    const catchingUp = sync.catchUp();
    await source.answer(0, new Error('config service unavailable'));
    await expect(catchingUp).rejects.toThrow('config service unavailable');
    await waiting;
    expect(sync.waitForCurrent()).toBeUndefined();
  });
});
