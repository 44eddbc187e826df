import { NoRespondersError, RequestError, TimeoutError } from '@nats-io/transport-node';
import { describe, expect, it } from 'vitest';
import { isTransientJetStreamError, retryTransient } from './jetstream-retry';

describe('retryTransient', () => {
  it('repeats a step that times out or finds no responder, until it succeeds', async () => {
    const failures: Error[] = [
      new TimeoutError(),
      new RequestError('no responders', { cause: new NoRespondersError('$JS.API.STREAM.INFO.X') }),
    ];
    let calls = 0;
    const result = await retryTransient(async () => {
      calls++;
      const failure = failures.shift();
      if (failure) throw failure;
      return 'done';
    });
    expect(result).toBe('done');
    expect(calls).toBe(3);
  });

  it('throws any other failure at once, and a transient one after the deadline', async () => {
    let calls = 0;
    const refused = new Error('stream name already in use with a different configuration');
    await expect(retryTransient(() => Promise.reject((calls++, refused)))).rejects.toBe(refused);
    expect(calls).toBe(1);
    await expect(retryTransient(() => Promise.reject(new TimeoutError()), 0)).rejects.toThrow('timeout');
  });

  it('tells transient JetStream failures from the rest', () => {
    expect(isTransientJetStreamError(new TimeoutError())).toBe(true);
    expect(isTransientJetStreamError(new NoRespondersError('$JS.API.INFO'))).toBe(true);
    expect(isTransientJetStreamError(new Error('insufficient resources'))).toBe(false);
    expect(isTransientJetStreamError('timeout')).toBe(false);
  });
});
