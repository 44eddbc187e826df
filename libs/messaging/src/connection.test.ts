import { afterAll, describe, expect, it } from 'vitest';
import { type Server, startNats } from '@callbacks/infra';
import { connectNats } from './connection';

let nats: Server;
afterAll(async () => {
  await nats?.close();
});

describe('connectNats', () => {
  it('rides out a NATS restart: the same connection publishes and receives again', async () => {
    nats = await startNats();
    const nc = await connectNats({ servers: [nats.url], name: 'test' });
    const reconnected = (async () => {
      for await (const status of nc.status()) if (status.type === 'reconnect') return;
    })();

    await nats.managed!.restart();
    await reconnected;

    const sub = nc.subscribe('test.reconnect', { max: 1 });
    nc.publish('test.reconnect', 'hello');
    for await (const msg of sub) expect(msg.string()).toBe('hello');
    expect(nc.isClosed()).toBe(false);
    await nc.close();
  });
});
