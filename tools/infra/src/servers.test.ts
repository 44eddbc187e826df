import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { MongoClient } from 'mongodb';
import { afterAll, describe, expect, it } from 'vitest';
import { startNatsCluster } from './nats-cluster';
import { type Server, startMongo, startNats } from './servers';

const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

describe('local infrastructure', () => {
  it('runs a nats-server with JetStream that survives a restart with its data', async () => {
    const nats = await startNats();
    servers.push(nats);
    const nc = await connect({ servers: nats.url });
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: 'INFRA_TEST', subjects: ['infra.test'] });
    await nc.close();

    await nats.managed!.restart();

    const again = await connect({ servers: nats.url });
    const info = await (await jetstreamManager(again)).streams.info('INFRA_TEST');
    expect(info.config.name).toBe('INFRA_TEST');
    await again.close();
  });

  it('runs a MongoDB-wire server that keeps documents across a restart', async () => {
    const mongo = await startMongo();
    servers.push(mongo);
    const client = new MongoClient(mongo.url);
    await client
      .db('infra_test')
      .collection('things')
      .insertOne({ _id: 'a' as never, n: 1 });
    await client.close();

    await mongo.managed!.restart();

    const again = new MongoClient(mongo.url);
    expect(
      await again
        .db('infra_test')
        .collection('things')
        .findOne({ _id: 'a' as never }),
    ).toEqual({ _id: 'a', n: 1 });
    await again.close();
  });
});

describe('a NATS cluster', () => {
  it('replicates a stream over 3 nodes and keeps it through the loss of its leader', async () => {
    const cluster = await startNatsCluster(3);
    servers.push({ url: cluster.url, managed: undefined, close: () => cluster.close() });
    const nc = await connect({ servers: cluster.servers });
    const jsm = await jetstreamManager(nc);
    const created = await jsm.streams.add({ name: 'INFRA_CLUSTER', subjects: ['infra.cluster'], num_replicas: 3 });
    expect(created.cluster?.replicas?.length).toBe(2);
    const js = jsm.jetstream();
    await js.publish('infra.cluster', 'one');

    const leader = created.cluster!.leader!;
    // Watched from a node that stays up.
    const watcher = await connect({ servers: cluster.nodes.filter((n) => n.name !== leader).map((n) => n.url) });
    const elected = watcher.subscribe('$JS.EVENT.ADVISORY.STREAM.LEADER_ELECTED.INFRA_CLUSTER', { max: 1 });
    await watcher.flush();
    await cluster.node(leader).managed.kill();
    // A new leader is elected among the two left (JetStream's advisory says which); the message is still there.
    for await (const advisory of elected) expect((advisory.json() as { leader: string }).leader).not.toBe(leader);
    // If the killed node also led the meta group, the JetStream API answers only once the two left elect a
    // new meta leader, which may come after the stream's election: ask again until it answers.
    const info = await answered(async () =>
      (await jetstreamManager(watcher, { checkAPI: false })).streams.info('INFRA_CLUSTER'),
    );
    await watcher.close();
    expect(info.cluster?.leader).not.toBe(leader);
    expect(info.state.messages).toBe(1);
    await cluster.node(leader).managed.start();
    await nc.close();
  });
});

/** Retries a JetStream API call while the API does not answer (no meta leader yet), up to 10 times. */
async function answered<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      // Each attempt waits for the client's request timeout, so this waits for an answer, not for a clock.
      if (!(error instanceof Error && error.name === 'TimeoutError') || attempt === 10) throw error;
    }
  }
}
