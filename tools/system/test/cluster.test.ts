import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveryIdFor } from '@callbacks/domain';
import { type NatsCluster, startMongo, startNatsCluster } from '@callbacks/infra';
import { CALLBACKS_BUCKET, connectNats, STREAMS } from '@callbacks/messaging';
import { Action, Origin } from '@callbacks/proto/callbacks/events/v1/profile_event';
import { sampleCallback, sampleEvent } from '@callbacks/testing';
import { SteadyLoad } from '../src/load';
import { CountingReceiver } from '../src/receiver';
import { System } from '../src/system';

const figure = (fields: Record<string, unknown>) => console.log(JSON.stringify({ test: 'cluster', ...fields }));
const REPLICATED = {
  EVENTS_STREAM_REPLICAS: '3',
  DELIVERIES_STREAM_REPLICAS: '3',
  RESULTS_STREAM_REPLICAS: '3',
  CALLBACKS_BUCKET_REPLICAS: '3',
};

/**
 * The whole system on a 3-node NATS cluster with every stream (and KV bucket) at 3 replicas, two
 * instances of each service, under a steady load, while: one NATS node is SIGKILLed and comes
 * back; all three are restarted one after the other (a rolling upgrade); the node leading the
 * deliveries stream is SIGKILLed; one instance of each service is SIGKILLed. No delivery may be lost; repeats must
 * carry their delivery's idempotency key. The longest pause in deliveries during each step is
 * measured from the receiver's arrival times.
 */
describe('cluster', () => {
  let cluster: NatsCluster;
  let system: System;
  let receiver: CountingReceiver;

  beforeAll(async () => {
    receiver = await CountingReceiver.start();
    cluster = await startNatsCluster(3);
    const mongo = await startMongo().catch(async (error: unknown) => {
      await cluster.close();
      throw error;
    });
    system = await System.start({
      infrastructure: { nats: { url: cluster.url, managed: undefined, close: () => cluster.close() }, mongo },
      configServices: 2,
      matchers: 2,
      dispatchers: 2,
      env: {
        ...REPLICATED,
        DISPATCHER_RETRY_SCHEDULE: '1s,2s,3s,5s,5s,10s,10s,10s,10s',
        MATCHER_ACK_WAIT: '5s',
        DISPATCHER_MAX_TIMEOUT: '10s',
        DISPATCHER_ACK_WAIT: '20s',
      },
    });
  });
  afterAll(async () => {
    await system?.close();
    await receiver?.close();
  });

  it('loses nothing when NATS nodes, the stream leader and service instances fail', async () => {
    const jsm = await jetstreamManager(system.nc);
    // Every stream on the cluster, KV buckets (streams named KV_<bucket>) included, at 3 replicas.
    const replicas = new Map<string, number>();
    for await (const info of jsm.streams.list()) replicas.set(info.config.name, info.config.num_replicas);
    expect([...replicas.keys()]).toEqual(
      expect.arrayContaining([...Object.values(STREAMS).map((stream) => stream.name), `KV_${CALLBACKS_BUCKET}`]),
    );
    for (const [name, count] of replicas) expect(count, name).toBe(3);

    const callbacks = [
      await system.createCallback(
        sampleCallback({ databaseId: 'cluster', url: receiver.url('/a'), actions: [], triggers: [] }),
      ),
      await system.createCallback(
        sampleCallback({ databaseId: 'cluster', url: receiver.url('/b'), actions: [], triggers: [] }),
      ),
    ];
    const load = new SteadyLoad(
      system.publisher,
      (n) =>
        sampleEvent({
          databaseId: 'cluster',
          action: Action.UPDATE,
          origin: Origin.PUBLISHER,
          fields: { name: 'piet', seq: String(n) },
        }),
      25,
    );
    load.start();
    const flowing = async (what: string) =>
      expect(await receiver.waitForDistinct(receiver.distinct.size + 50, 60_000), `traffic flows ${what}`).toBe(true);
    const pauses: Record<string, number> = {};
    const step = async (name: string, fail: () => Promise<void>) => {
      await flowing(`before ${name}`);
      const from = performance.timeOrigin + performance.now();
      await fail();
      await flowing(`after ${name}`);
      const until = performance.timeOrigin + performance.now();
      pauses[name] = longestPause(
        receiver.arrivals.map((a) => a.at),
        from,
        until,
      );
      figure({ step: name, longest_pause_ms: Math.round(pauses[name]), delivered: receiver.distinct.size });
    };

    const [, second] = cluster.nodes;
    await step('NATS node SIGKILL and restart', async () => {
      await second!.managed.kill();
      await second!.managed.start(60_000);
    });
    await step('rolling restart of the 3 NATS nodes', async () => {
      for (const node of cluster.nodes) {
        await node.managed.stop();
        // Ready means JetStream is current again (/healthz), so the next node may go.
        await node.managed.start(60_000);
      }
    });
    await step('deliveries stream leader SIGKILL', async () => {
      const leader = (await jsm.streams.info(STREAMS.deliveries.name)).cluster?.leader;
      expect(leader, 'the deliveries stream has a leader').toBeDefined();
      // Watched from the nodes that stay up: JetStream announces the new leader.
      const watcher = await connectNats({
        servers: cluster.nodes.filter((n) => n.name !== leader).map((n) => n.url),
        name: 'cluster-test',
        once: true,
      });
      const elected = watcher.subscribe(`$JS.EVENT.ADVISORY.STREAM.LEADER_ELECTED.${STREAMS.deliveries.name}`, {
        max: 1,
      });
      await watcher.flush();
      await cluster.node(leader!).managed.kill();
      for await (const advisory of elected)
        figure({
          step: 'deliveries stream leader SIGKILL',
          killed: leader,
          new_leader: (advisory.json() as { leader: string }).leader,
        });
      await watcher.close();
      await cluster.node(leader!).managed.start(60_000);
    });
    await step('one instance of each service SIGKILL', async () => {
      const victims = [system.configs[1]!, system.matchers[0]!, system.dispatchers[0]!];
      await Promise.all(victims.map((service) => service.kill()));
      await Promise.all(victims.map((service) => service.start()));
    });
    await flowing('after the last failure');
    await load.stop();

    const expected = new Set(load.published.flatMap((e) => callbacks.map((c) => deliveryIdFor(e.eventId, c.id))));
    const arrived = await receiver.waitForDistinct(expected.size, 180_000);
    const lost = [...expected].filter((id) => !receiver.distinct.has(id));
    // Every arrival after the first of its delivery, by its idempotency key.
    const seen = new Set<string>();
    const duplicates: string[] = [];
    for (const { deliveryId } of receiver.arrivals) {
      if (seen.has(deliveryId)) duplicates.push(deliveryId);
      seen.add(deliveryId);
    }
    // Every duplicate with its idempotency key, in a file: a bad run can have hundreds.
    const duplicatesFile = join(tmpdir(), `callbacks-cluster-duplicates-${process.pid}.txt`);
    await writeFile(duplicatesFile, duplicates.map((key) => `${key}\n`).join(''));
    const mislabelled = receiver.arrivals.filter(
      (a) => (JSON.parse(a.body.toString('utf8')) as { id: string }).id !== a.deliveryId,
    ).length;
    figure({
      events: load.published.length,
      publish_retries: load.retries,
      expected: expected.size,
      delivered: receiver.distinct.size,
      lost: lost.length,
      duplicates: duplicates.length,
      duplicate_keys: duplicates.slice(0, 20),
      every_duplicate_key_in: duplicatesFile,
      duplicates_with_another_id: mislabelled,
      longest_pause_ms: Object.fromEntries(Object.entries(pauses).map(([k, v]) => [k, Math.round(v)])),
      all_arrived: arrived,
    });

    expect(lost).toEqual([]);
    expect(mislabelled).toBe(0);
    expect([...receiver.distinct].every((id) => expected.has(id))).toBe(true);
    expect(system.output().filter((line) => line.includes('cannot go on'))).toEqual([]);
    for (const service of [...system.configs, ...system.matchers, ...system.dispatchers])
      expect(service.pid, `${service.app} is running`).toBeDefined();
  });
});

/** The longest time in [from, until] without an arrival (ms). */
function longestPause(arrivals: number[], from: number, until: number): number {
  const inside = arrivals.filter((at) => at >= from && at <= until).sort((a, b) => a - b);
  let longest = 0;
  let previous = from;
  for (const at of [...inside, until]) {
    longest = Math.max(longest, at - previous);
    previous = at;
  }
  return longest;
}
