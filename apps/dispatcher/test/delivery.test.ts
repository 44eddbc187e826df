import { XMLParser } from 'fast-xml-parser';
import qs from 'qs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { waitUntil } from '@callbacks/infra';
import { Outcome } from '@callbacks/proto/callbacks/delivery/v1/delivery_job';
import { CallbackState, Format } from '@callbacks/proto/callbacks/v1/callback';
import {
  auth,
  call,
  type ConfigServiceUnderTest,
  sampleCallback,
  startConfigServiceProcess,
  TestReceiver,
} from '@callbacks/testing';
import type { RunningDispatcher } from '../src/app';
import {
  allFinal,
  atLeast,
  job,
  publishJob,
  resultsFor,
  startInProcessDispatcher,
  startWorld,
  target,
  type World,
} from './harness';

let world: World;
let receiver: TestReceiver;
let config: ConfigServiceUnderTest;
let dispatcher: RunningDispatcher;

beforeAll(async () => {
  world = await startWorld();
  receiver = await TestReceiver.start();
  config = await startConfigServiceProcess({ mongoUrl: inject('mongoUrl'), natsUrl: world.nats.url });
  dispatcher = await startInProcessDispatcher(world, { DISPATCHER_TIMEOUT: '1s' });
});
afterAll(async () => {
  await dispatcher?.stop();
  await config?.close();
  await receiver?.close();
  await world?.close();
});

describe('delivery', () => {
  it('sends each format signed, parseable, with the idempotency and attempt headers', async () => {
    const jobs = [Format.JSON, Format.XML, Format.FORM].map((format) =>
      job(target(receiver.url(`/format/${format}`), { format })),
    );
    for (const j of jobs) await publishJob(world, j);
    await resultsFor(
      world,
      jobs.map((j) => j.deliveryId),
      allFinal(jobs.map((j) => j.deliveryId)),
    );

    const verifier = world.verifier('acct-a');
    for (const j of jobs) {
      const [request] = receiver.seen(`/format/${j.callback.format}`);
      expect(request, `format ${j.callback.format}`).toBeDefined();
      const verdict = await verifier.verify({
        method: request!.method,
        path: request!.path,
        headers: request!.headers,
        body: request!.body,
      });
      expect(verdict).toMatchObject({ ok: true });
      expect(request!.headers['idempotency-key']).toBe(j.deliveryId);
      expect(request!.headers['x-callbacks-attempt']).toBe('1');
      expect(request!.headers['x-copernica-id']).toBe('account_acct-a');
      const text = request!.body.toString('utf8');
      const parsed =
        j.callback.format === Format.JSON
          ? JSON.parse(text)
          : j.callback.format === Format.XML
            ? new XMLParser({ parseTagValue: false }).parse(text).callback
            : qs.parse(text);
      expect(parsed).toMatchObject({
        id: j.deliveryId,
        type: 'update',
        profile: j.event.profileId,
        fields: { name: 'piet' },
      });
    }
  });

  it('500 then 200: one retry, exactly one success, the same idempotency key', async () => {
    receiver.on('/flaky', (_r, res, nth) => res.writeHead(nth === 1 ? 500 : 200).end());
    const j = job(target(receiver.url('/flaky')));
    await publishJob(world, j);
    const results = await resultsFor(world, [j.deliveryId], allFinal([j.deliveryId]));
    expect(results.map((r) => [r.attempt, Outcome[r.outcome], r.statusCode])).toEqual([
      [1, 'RETRYING', 500],
      [2, 'SUCCEEDED', 200],
    ]);
    const requests = receiver.seen('/flaky');
    expect(requests).toHaveLength(2);
    expect(requests.map((r) => r.headers['idempotency-key'])).toEqual([j.deliveryId, j.deliveryId]);
    expect(requests.map((r) => r.headers['x-callbacks-attempt'])).toEqual(['1', '2']);
  });

  it('honours Retry-After on 429', async () => {
    receiver.on('/busy', (_r, res, nth) =>
      nth === 1 ? res.writeHead(429, { 'retry-after': '3' }).end() : res.writeHead(204).end(),
    );
    const j = job(target(receiver.url('/busy')));
    await publishJob(world, j);
    const results = await resultsFor(world, [j.deliveryId], allFinal([j.deliveryId]));
    const [first, second] = results;
    expect(first).toMatchObject({ outcome: Outcome.RETRYING, statusCode: 429 });
    // The schedule says 1 s; the receiver asked for 3 s, and got them.
    expect(first!.nextAttemptAt!.getTime() - first!.startedAt!.getTime()).toBeGreaterThanOrEqual(3_000);
    expect(second).toMatchObject({ attempt: 2, outcome: Outcome.SUCCEEDED });
  });

  it('410 Gone disables the callback (the config service decides, from the result) and stops its retries', async () => {
    const admin = auth(config.adminToken);
    const { callback } = await call(
      config.client.createCallback.bind(config.client),
      { callback: sampleCallback({ url: receiver.url('/gone') }) },
      admin,
    );
    receiver.on('/gone', (_r, res) => res.writeHead(410).end('gone'));
    const j = job(target(receiver.url('/gone'), { id: callback!.id, revision: callback!.revision }));
    await publishJob(world, j);
    const results = await resultsFor(world, [j.deliveryId], allFinal([j.deliveryId]));
    expect(results.map((r) => Outcome[r.outcome])).toEqual(['GONE']);
    // The config service disables it once its delivery log has recorded the GONE result.
    let after = callback!;
    await waitUntil(async () => {
      after = (await call(config.client.getCallback.bind(config.client), { id: callback!.id }, admin)).callback!;
      return after.state === CallbackState.DISABLED_GONE;
    }, AbortSignal.timeout(30_000));
    expect(after.stateReason).toMatch(/410/);

    // A job of the same revision still in the stream is not sent again.
    const late = job(target(receiver.url('/gone'), { id: callback!.id, revision: callback!.revision }));
    await publishJob(world, late);
    const lateResults = await resultsFor(world, [late.deliveryId], allFinal([late.deliveryId]));
    expect(lateResults[0]).toMatchObject({ outcome: Outcome.GONE, errorClass: 'gone' });
    expect(receiver.seen('/gone')).toHaveLength(1);
  });

  it('times out a receiver that does not answer, and retries', async () => {
    receiver.on('/hang', () => undefined);
    const j = job(target(receiver.url('/hang')));
    await publishJob(world, j);
    const results = await resultsFor(world, [j.deliveryId], atLeast([j.deliveryId], 1));
    expect(results[0]).toMatchObject({ attempt: 1, outcome: Outcome.RETRYING, errorClass: 'timeout', statusCode: 0 });
  });

  it('retries a refused connection on the schedule, then declares the delivery dead', async () => {
    const j = job(target('http://127.0.0.1:9/closed'));
    await publishJob(world, j);
    const results = await resultsFor(world, [j.deliveryId], allFinal([j.deliveryId]));
    expect(results.map((r) => [r.attempt, Outcome[r.outcome], r.errorClass])).toEqual([
      [1, 'RETRYING', 'connect_refused'],
      [2, 'RETRYING', 'connect_refused'],
      [3, 'DEAD', 'connect_refused'],
    ]);
  });

  it('does not follow a redirect to a private address', async () => {
    receiver.on('/redirect', (_r, res) =>
      res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end(),
    );
    const j = job(target(receiver.url('/redirect')));
    await publishJob(world, j);
    const results = await resultsFor(world, [j.deliveryId], atLeast([j.deliveryId], 1));
    expect(results[0]).toMatchObject({ outcome: Outcome.RETRYING, errorClass: 'http_status', statusCode: 302 });
    expect(results[0]!.errorMessage).toMatch(/redirects are not followed/);
  });

  it('records a skipped job without sending it', async () => {
    const j = job(target(receiver.url('/skipped')), { skipped: true });
    await publishJob(world, j);
    const results = await resultsFor(world, [j.deliveryId], allFinal([j.deliveryId]));
    expect(results.map((r) => Outcome[r.outcome])).toEqual(['SKIPPED']);
    expect(receiver.seen('/skipped')).toHaveLength(0);
  });
});
