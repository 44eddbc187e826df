import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Outcome } from '@callbacks/proto/callbacks/delivery/v1/delivery_job';
import { TestReceiver } from '@callbacks/testing';
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

/**
 * A dispatcher with no allow-list, as in production: nothing but public addresses. The test
 * receiver listens on 127.0.0.1, so any delivery that reached it escaped the guard.
 */
describe('outbound safety (SSRF)', () => {
  let world: World;
  let receiver: TestReceiver;
  let dispatcher: RunningDispatcher;

  beforeAll(async () => {
    world = await startWorld();
    receiver = await TestReceiver.start();
    world.dns.publishAddresses('internal.test', ['10.0.0.7']);
    world.dns.publishAddresses('loopback.test', [`127.0.0.1`]);
    world.dns.publishAddresses('v6-loopback.test', ['::1']);
    world.dns.publishAddresses('metadata.test', ['169.254.169.254']);
    world.dns.publishAddresses('mixed.test', ['93.184.216.34', '127.0.0.1']);
    world.dns.publishAddresses('mapped.test', ['::ffff:127.0.0.1']);
    world.dns.publishAddresses('rebind.test', ['93.184.216.34'], ['127.0.0.1']);
    dispatcher = await startInProcessDispatcher(world, {
      DISPATCHER_ALLOW_CIDRS: '',
      DISPATCHER_CONNECT_TIMEOUT: '1s',
      DISPATCHER_TIMEOUT: '2s',
      DISPATCHER_RETRY_SCHEDULE: '1s,1h',
    });
  });
  afterAll(async () => {
    await dispatcher?.stop();
    await receiver?.close();
    await world?.close();
  });

  const port = () => receiver.port;
  const targets: [string, () => string][] = [
    ['loopback', () => `http://127.0.0.1:${port()}/a`],
    ['loopback, other address', () => `http://127.1.2.3:${port()}/a`],
    ['unspecified', () => `http://0.0.0.0:${port()}/a`],
    ['RFC 1918 10/8', () => 'http://10.0.0.1/a'],
    ['RFC 1918 172.16/12', () => 'http://172.16.5.4/a'],
    ['RFC 1918 192.168/16', () => 'http://192.168.0.1/a'],
    ['carrier-grade NAT', () => 'http://100.64.1.1/a'],
    ['cloud metadata', () => 'http://169.254.169.254/latest/meta-data/'],
    ['multicast', () => 'http://224.0.0.251/a'],
    ['broadcast', () => 'http://255.255.255.255/a'],
    ['IPv6 loopback', () => `http://[::1]:${port()}/a`],
    ['IPv6 unspecified', () => `http://[::]:${port()}/a`],
    ['IPv6 link-local', () => 'http://[fe80::1]/a'],
    ['IPv6 unique local', () => 'http://[fd00::1]/a'],
    ['IPv4-mapped loopback', () => `http://[::ffff:127.0.0.1]:${port()}/a`],
    ['NAT64 of a private address', () => 'http://[64:ff9b::a00:1]/a'],
    ['6to4 of loopback', () => 'http://[2002:7f00:1::1]/a'],
    ['name resolving to a private address', () => 'http://internal.test/a'],
    ['name resolving to loopback', () => `http://loopback.test:${port()}/a`],
    ['name resolving to IPv6 loopback', () => `http://v6-loopback.test:${port()}/a`],
    ['name resolving to the metadata address', () => 'http://metadata.test/latest/meta-data/'],
    ['name resolving to public and loopback', () => `http://mixed.test:${port()}/a`],
    ['name resolving to an IPv4-mapped loopback', () => `http://mapped.test:${port()}/a`],
  ];

  it(`refuses ${targets.length} kinds of internal target, and none reaches the receiver`, async () => {
    const jobs = targets.map(([, url]) => job(target(url())));
    for (const j of jobs) await publishJob(world, j);
    const results = await resultsFor(
      world,
      jobs.map((j) => j.deliveryId),
      atLeast(
        jobs.map((j) => j.deliveryId),
        1,
      ),
    );
    const firstAttempts = jobs.map((j) => results.find((r) => r.deliveryId === j.deliveryId && r.attempt === 1)!);
    const refused = firstAttempts.map((r, i) => [targets[i]![0], r.errorClass]);
    expect(refused).toEqual(targets.map(([name]) => [name, 'blocked_address']));
    expect(receiver.requests).toHaveLength(0);
  });

  it('defeats DNS rebinding (public first, loopback next): what is checked is what is connected to', async () => {
    const j = job(target(`http://rebind.test:${port()}/rebind`));
    await publishJob(world, j);
    const results = await resultsFor(world, [j.deliveryId], atLeast([j.deliveryId], 2));
    // The first answer was public: the attempt went there (and found no network); the second
    // answer was this host, and was refused.
    expect(results[0]!.errorClass).not.toBe('blocked_address');
    expect(results[1]).toMatchObject({ attempt: 2, outcome: Outcome.RETRYING, errorClass: 'blocked_address' });
    expect(receiver.seen('/rebind')).toHaveLength(0);
  });

  it('keeps refused deliveries retryable and visible, not silently dropped', async () => {
    const j = job(target(`http://127.0.0.1:${port()}/refused`));
    await publishJob(world, j);
    const results = await resultsFor(world, [j.deliveryId], atLeast([j.deliveryId], 2));
    expect(results.map((r) => Outcome[r.outcome])).toEqual(['RETRYING', 'RETRYING']);
    expect(allFinal([j.deliveryId])(results)).toBe(false);
  });
});
