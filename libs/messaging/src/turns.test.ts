import { jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Server, startNats } from '@callbacks/infra';
import { AckedPublisher, PublishError } from './acked-publisher';
import { connectNats, type NatsConnection } from './connection';
import { offerTurn, passTurn, turnStateOf } from './delivery-messages';
import { ensureStream, STREAMS } from './streams';
import { type OrderedPartition, SUBJECTS } from './subjects';

let nats: Server;
let nc: NatsConnection;
let publisher: AckedPublisher;
beforeAll(async () => {
  nats = await startNats();
  nc = await connectNats({ servers: [nats.url], name: 'test' });
  await ensureStream(nc, 'turns', { replicas: 1, maxAgeMs: 3_600_000, duplicateWindowMs: 60_000 });
  publisher = new AckedPublisher(nc);
});
afterAll(async () => {
  publisher?.close();
  await nc?.close();
  await nats?.close();
});

const partition: OrderedPartition = { accountId: 'acct-a', callbackId: 'cb_1', kind: 'profile', entityId: 'p1' };

describe('a partition has one turn at most', () => {
  it('is offered once; only its holder passes it on, and the passed turn replaces the old one', async () => {
    expect(await offerTurn(publisher, partition)).toBe(true);
    expect(await offerTurn(publisher, partition)).toBe(false);

    const jsm = await jetstreamManager(nc);
    const last = async () =>
      jsm.streams.getMessage(STREAMS.turns.name, { last_by_subj: SUBJECTS.turn(partition) }).then((m) => m!);
    const first = await last();
    const state = { head: 7, attempt: 2, dueAt: Date.parse('2026-12-06T10:00:00Z') };
    await passTurn(publisher, partition, first.seq, state);
    // A stale holder (its turn was passed on meanwhile) cannot pass it again.
    await expect(passTurn(publisher, partition, first.seq, state)).rejects.toBeInstanceOf(PublishError);

    const info = await jsm.streams.info(STREAMS.turns.name, { subjects_filter: SUBJECTS.turn(partition) });
    expect(info.state.subjects).toEqual({ [SUBJECTS.turn(partition)]: 1 });
    expect(turnStateOf((await last()).header)).toEqual(state);
    expect(await offerTurn(publisher, partition)).toBe(false);
  });
});
