import { jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Server, startNats } from '@callbacks/infra';
import { AckedPublisher, PublishError } from './acked-publisher';
import { connectNats, type NatsConnection } from './connection';

let nats: Server;
let nc: NatsConnection;
beforeAll(async () => {
  nats = await startNats();
  nc = await connectNats({ servers: [nats.url], name: 'test' });
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: 'ACKED', subjects: ['acked.>'], duplicate_window: 60_000_000_000 });
});
afterAll(async () => {
  await nc?.close();
  await nats?.close();
});

describe('AckedPublisher', () => {
  it('resolves with the stored sequence, many publishes in flight at once', async () => {
    const publisher = new AckedPublisher(nc);
    const acks = await Promise.all(
      Array.from({ length: 500 }, (_, i) => publisher.publish(`acked.${i % 7}`, `m${i}`, { msgId: `id-${i}` })),
    );
    expect(acks.every((a) => a.stream === 'ACKED' && !a.duplicate)).toBe(true);
    expect(new Set(acks.map((a) => a.seq)).size).toBe(500);
    expect(publisher.inFlight).toBe(0);
    publisher.close();
  });

  it('reports a duplicate Nats-Msg-Id instead of storing it again', async () => {
    const publisher = new AckedPublisher(nc);
    const first = await publisher.publish('acked.dup', 'x', { msgId: 'same' });
    const again = await publisher.publish('acked.dup', 'x', { msgId: 'same' });
    expect(again).toEqual({ stream: 'ACKED', seq: first.seq, duplicate: true });
    publisher.close();
  });

  it('fails clearly when no stream stores the subject', async () => {
    const publisher = new AckedPublisher(nc);
    const error = await publisher.publish('nowhere.at.all', 'x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PublishError);
    expect((error as PublishError).code).toBe(503);
    publisher.close();
  });

  it('fails publishes still in flight when closed', async () => {
    const publisher = new AckedPublisher(nc);
    const pending = publisher.publish('acked.late', 'x');
    publisher.close();
    await expect(pending).rejects.toThrow(/closed before the stream acknowledged/);
  });

  it('fails what is in flight once its connection closes, long before the timeout', async () => {
    const own = await connectNats({ servers: [nats.url], name: 'closing' });
    const publisher = new AckedPublisher(own, { timeoutMs: 600_000 });
    // A listener that never answers: no stream acknowledges, and no "no responders" either.
    const silent = nc.subscribe('silent.subject');
    await nc.flush();
    const pending = publisher.publish('silent.subject', 'x');
    await own.close();
    await expect(pending).rejects.toThrow(/closed before the stream acknowledged/);
    silent.unsubscribe();
  });

  describe('coalescing', () => {
    it('sends the publishes of one turn together, stored in the order they were made', async () => {
      const publisher = new AckedPublisher(nc, { coalesce: true });
      const sentBefore = nc.stats().outMsgs;
      const published = Array.from({ length: 200 }, (_, i) =>
        publisher.publish('acked.coalesced', `m${i}`, { msgId: `c-${i}` }),
      );
      await Promise.resolve();
      expect(nc.stats().outMsgs, 'nothing is sent before the turn ends').toBe(sentBefore);
      await new Promise((resolve) => setImmediate(resolve));
      expect(nc.stats().outMsgs, 'the whole turn is sent at once').toBe(sentBefore + 200);
      const acks = await Promise.all(published);
      expect(acks.every((a, i) => i === 0 || a.seq === acks[i - 1]!.seq + 1)).toBe(true);
      // Publishes made in later turns are sent too, each turn's on its own.
      const later = await publisher.publish('acked.coalesced', 'later', { msgId: 'c-later' });
      expect(later.seq).toBe(acks.at(-1)!.seq + 1);
      expect(publisher.inFlight).toBe(0);
      publisher.close();
    });

    it('fails publishes not yet sent when closed, and sends nothing', async () => {
      const publisher = new AckedPublisher(nc, { coalesce: true });
      const jsm = await jetstreamManager(nc);
      const before = (await jsm.streams.info('ACKED')).state.messages;
      const pending = publisher.publish('acked.never', 'x');
      publisher.close();
      await expect(pending).rejects.toThrow(/closed before the stream acknowledged/);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect((await jsm.streams.info('ACKED')).state.messages).toBe(before);
    });
  });
});
