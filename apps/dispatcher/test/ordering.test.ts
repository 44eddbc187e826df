import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Outcome } from '@callbacks/proto/callbacks/delivery/v1/delivery_job';
import { Ordering } from '@callbacks/proto/callbacks/v1/callback';
import { sampleEvent, TestReceiver } from '@callbacks/testing';
import type { RunningDispatcher } from '../src/app';
import type { ReadyJob } from '../src/delivery/job';
import {
  allFinal,
  job,
  queueJob,
  resultsFor,
  startInProcessDispatcher,
  startWorld,
  target,
  type World,
} from './harness';

let world: World;
let receiver: TestReceiver;
let dispatcher: RunningDispatcher;

beforeAll(async () => {
  world = await startWorld();
  receiver = await TestReceiver.start();
  // Retries 1 s apart, three attempts in all: a failing first job turns dead within seconds.
  dispatcher = await startInProcessDispatcher(world, { DISPATCHER_TIMEOUT: '1s' });
});
afterAll(async () => {
  await dispatcher?.stop();
  await receiver?.close();
  await world?.close();
});

/** What the receiver saw, as `<profile>:<sequence>` in arrival order. */
function arrivals(path: string): string[] {
  return receiver.seen(path).map((r) => {
    const body = JSON.parse(r.body.toString('utf8')) as { profile: string; sequence: number };
    expect(r.headers['x-callbacks-sequence']).toBe(String(body.sequence));
    return `${body.profile}:${body.sequence}`;
  });
}

describe('per-profile ordering', () => {
  it('a retrying delivery holds back only its own profile; once dead, the next one goes', async () => {
    const path = '/ordered/retrying';
    const callback = target(receiver.url(path), { ordering: Ordering.PER_PROFILE });
    // Profile "a"'s first delivery always fails; everything else succeeds.
    receiver.on(path, (req, res) => {
      const body = JSON.parse(req.body.toString('utf8')) as { profile: string; sequence: number };
      res.writeHead(body.profile === 'a' && body.sequence === 1 ? 500 : 200).end();
    });
    const jobs: ReadyJob[] = [];
    for (let sequence = 1; sequence <= 3; sequence++) {
      for (const profileId of ['a', 'b']) {
        const j = job(callback, {
          event: sampleEvent({ profileId }),
          sequence: sequence + (profileId === 'b' ? 10 : 0),
        });
        jobs.push(j);
        await queueJob(world, j);
      }
    }
    const ids = jobs.map((j) => j.deliveryId);
    const results = await resultsFor(world, ids, allFinal(ids));

    const seen = arrivals(path);
    // "a" 1 was attempted three times before "a" 2 went; "b" never waited for it.
    expect(seen.filter((s) => s.startsWith('a:'))).toEqual(['a:1', 'a:1', 'a:1', 'a:2', 'a:3']);
    expect(seen.filter((s) => s.startsWith('b:'))).toEqual(['b:11', 'b:12', 'b:13']);
    expect(seen.indexOf('b:13')).toBeLessThan(seen.lastIndexOf('a:1'));
    const outcome = (j: ReadyJob) =>
      results.find((r) => r.deliveryId === j.deliveryId && r.outcome !== Outcome.RETRYING);
    expect(outcome(jobs[0]!)?.outcome).toBe(Outcome.DEAD);
    expect(outcome(jobs[0]!)?.attempt).toBe(3);
    for (const j of jobs.slice(1)) expect(outcome(j)?.outcome).toBe(Outcome.SUCCEEDED);
  });

  it('keeps unordered callbacks as they were: no sequence, in parallel', async () => {
    const path = '/unordered';
    const j = job(target(receiver.url(path)), { event: sampleEvent({ profileId: 'a' }) });
    await queueJob(world, j);
    await resultsFor(world, [j.deliveryId], allFinal([j.deliveryId]));
    const [request] = receiver.seen(path);
    expect(request!.headers['x-callbacks-sequence']).toBeUndefined();
    expect(JSON.parse(request!.body.toString('utf8'))).not.toHaveProperty('sequence');
  });
});
