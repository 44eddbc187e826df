import { describe, expect, it } from 'vitest';
import { SerialByKey } from './serial-by-key';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => undefined as void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('SerialByKey', () => {
  it('runs the tasks of one key one after another, in order, and other keys meanwhile', async () => {
    const serial = new SerialByKey();
    const log: string[] = [];
    const gate = deferred();
    const a1 = serial.run('a', async () => {
      log.push('a1 start');
      await gate.promise;
      log.push('a1 end');
    });
    const a2 = serial.run('a', async () => {
      log.push('a2');
    });
    await serial.run('b', async () => {
      log.push('b1');
    });
    expect(log).toEqual(['a1 start', 'b1']);
    gate.resolve();
    await Promise.all([a1, a2]);
    expect(log).toEqual(['a1 start', 'b1', 'a1 end', 'a2']);
  });

  it('carries on after a failed task, and tells its caller', async () => {
    const serial = new SerialByKey();
    const failed = serial.run('a', () => Promise.reject(new Error('boom')));
    const next = serial.run('a', async () => undefined);
    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toBeUndefined();
    await Promise.resolve();
    expect(serial.size).toBe(0);
  });
});
