import { MongoClient } from 'mongodb';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { afterAll, describe, expect, it } from 'vitest';
import { startMongo, startNats, type Server } from './servers';

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
    await client.db('infra_test').collection('things').insertOne({ _id: 'a' as never, n: 1 });
    await client.close();

    await mongo.managed!.restart();

    const again = new MongoClient(mongo.url);
    expect(await again.db('infra_test').collection('things').findOne({ _id: 'a' as never })).toEqual({ _id: 'a', n: 1 });
    await again.close();
  });
});
