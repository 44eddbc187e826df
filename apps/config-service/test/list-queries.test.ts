import { randomBytes } from 'node:crypto';
import { type CommandStartedEvent, type Db, type Document, MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Callback, CallbackState } from '@callbacks/proto/callbacks/v1/callback';
import { DeliveryState } from '@callbacks/proto/callbacks/v1/delivery';
import { sampleCallback, sampleEvent } from '@callbacks/testing';
import type { CallbackFilter } from '../src/callbacks/ports';
import type { DeliveryCursor, DeliveryFilter, DeliveryRecord } from '../src/deliveries/ports';
import { toDocument } from '../src/mongo/callback-document';
import { usesSecondaryIndexes } from '../src/mongo/missing-indexes';
import { MongoCallbackRepository } from '../src/mongo/mongo-callback-repository';
import { MongoDeliveryLog } from '../src/mongo/mongo-delivery-log';

// The console's lists, page by page, against what they must return; and, on a server that uses
// secondary indexes, the proof that each page's query is answered through one in index order (on
// the embedded FerretDB a page that is not reads and sorts the whole collection).

const DAY = 24 * 60 * 60_000;
const NOW = Date.parse('2026-12-01T12:00:00Z');
const PAGE = 7;

let client: MongoClient;
let db: Db;
let repository: MongoCallbackRepository;
let log: MongoDeliveryLog;
const finds: Document[] = [];

const callbacks: Callback[] = Array.from({ length: 120 }, (_, i) =>
  sampleCallback({
    id: `cb_${String(i).padStart(4, '0')}`,
    accountId: `acct_${i % 3}`,
    databaseId: `db_${Math.floor(i / 3) % 4}`,
    state: Math.floor(i / 3) % 5 === 0 ? CallbackState.DISABLED : CallbackState.ACTIVE,
    revision: 1,
  }),
);

interface Row {
  id: string;
  accountId: string;
  callbackId: string;
  createTime: Date;
  state: DeliveryState;
}

// Three callbacks of acct_0 and one of acct_1; every three deliveries share a creation time, so
// that the cursor's tie-break on the id matters.
const deliveries: Row[] = Array.from({ length: 150 }, (_, i) => {
  const callback = callbacks[[0, 3, 6, 1][i % 4]!]!;
  return {
    id: `dl_${String((i * 37) % 150).padStart(4, '0')}`,
    accountId: callback.accountId,
    callbackId: callback.id,
    createTime: new Date(NOW - DAY + Math.floor(i / 3) * 60_000),
    state: i % 5 === 0 ? DeliveryState.DEAD : i % 7 === 1 ? DeliveryState.PENDING : DeliveryState.SUCCEEDED,
  };
});

beforeAll(async () => {
  client = await new MongoClient(inject('mongoUrl'), { monitorCommands: true }).connect();
  db = client.db(`lists_${randomBytes(6).toString('hex')}`);
  repository = new MongoCallbackRepository(db);
  log = new MongoDeliveryLog(db, 30 * DAY);
  await repository.ensureIndexes();
  await log.ensureIndexes();
  await db.collection('callbacks').insertMany(callbacks.map((c) => toDocument(c)) as never[]);
  await log.record(deliveries.map(recordOf), []);
  client.on('commandStarted', (event: CommandStartedEvent) => {
    if (event.commandName === 'find' && event.databaseName === db.databaseName) finds.push(event.command);
  });
});
afterAll(async () => {
  await db?.dropDatabase();
  await client?.close();
});

function recordOf(row: Row): DeliveryRecord {
  return {
    origin: {
      id: row.id,
      accountId: row.accountId,
      callbackId: row.callbackId,
      eventId: `evt_${row.id}`,
      createTime: row.createTime,
      replayOf: '',
      callbackRevision: 1,
      event: sampleEvent({ eventId: `evt_${row.id}` }),
    },
    progress: {
      progress: 12,
      state: row.state,
      attemptCount: 1,
      nextAttemptTime: undefined,
      lastAttempt: undefined,
      updateTime: row.createTime,
    },
  };
}

async function callbackPages(filter: CallbackFilter): Promise<string[][]> {
  const pages: string[][] = [];
  let after: string | undefined;
  for (;;) {
    const page = (await repository.list(filter, after, PAGE)).map((c) => c.id);
    if (page.length > 0) pages.push(page);
    if (page.length < PAGE) return pages;
    after = page.at(-1);
  }
}

async function deliveryPages(filter: DeliveryFilter): Promise<string[][]> {
  const pages: string[][] = [];
  let after: DeliveryCursor | undefined;
  for (;;) {
    const page = await log.list(filter, after, PAGE);
    if (page.length > 0) pages.push(page.map((d) => d.id));
    if (page.length < PAGE) return pages;
    const last = page.at(-1)!;
    after = { createTime: last.createTime!, id: last.id };
  }
}

function chunks(ids: string[]): string[][] {
  const pages: string[][] = [];
  for (let i = 0; i < ids.length; i += PAGE) pages.push(ids.slice(i, i + PAGE));
  return pages;
}

const byIdAscending = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const newestFirst = (a: Row, b: Row) => b.createTime.getTime() - a.createTime.getTime() || byIdAscending(b.id, a.id);

/** Runs `ask` and explains every find it sent. */
async function explained(ask: () => Promise<unknown>): Promise<Document[]> {
  finds.length = 0;
  await ask();
  const commands = [...finds];
  return Promise.all(
    commands.map(({ find, filter, sort, limit, projection }: Document) =>
      db.command({ explain: { find, filter, sort, limit, projection }, verbosity: 'queryPlanner' }),
    ),
  );
}

/** Whether a plan reads an index in the sort's order: no whole-collection scan, no sort in memory. */
async function expectIndexOrder(plans: Document[]): Promise<void> {
  expect(plans.length).toBeGreaterThan(0);
  if (!(await usesSecondaryIndexes(db))) return; // FerretDB 1.x as released: no index but _id's
  const info = await db.admin().command({ buildInfo: 1 });
  for (const plan of plans) {
    const planner = JSON.stringify(plan.queryPlanner);
    if (info.ferretdbVersion === undefined) {
      expect(planner).toContain('IXSCAN');
      expect(planner).not.toContain('"SORT"');
    } else {
      // FerretDB's SQLite plan, e.g. "SEARCH d_... USING INDEX callbacks_..._account_id (...)".
      expect(plan).toMatchObject({ filterPushdown: true, sortPushdown: true });
      expect(planner).toMatch(/USING INDEX/);
      expect(planner).not.toMatch(/TEMP B-TREE|detail=SCAN [^\s"]+"/);
    }
  }
}

describe('list pages', () => {
  const callbackCases: [string, CallbackFilter][] = [
    ['an account', { scope: ['acct_0'] }],
    ['an account, by database', { scope: ['acct_1'], databaseId: 'db_2' }],
    ['an account, by state and database', { scope: ['acct_0'], state: CallbackState.ACTIVE, databaseId: 'db_1' }],
  ];
  it.each(callbackCases)('lists the callbacks of %s page by page, in id order', async (_, filter) => {
    const expected = callbacks
      .filter(
        (c) =>
          filter.scope !== '*' &&
          filter.scope.includes(c.accountId) &&
          (filter.databaseId === undefined || c.databaseId === filter.databaseId) &&
          (filter.state === undefined || c.state === filter.state),
      )
      .map((c) => c.id)
      .sort(byIdAscending);
    expect(expected.length).toBeGreaterThan(PAGE);
    expect(await callbackPages(filter)).toEqual(chunks(expected));
    await expectIndexOrder(await explained(() => repository.list(filter, expected[PAGE - 1], PAGE)));
    await expectIndexOrder(await explained(() => repository.list(filter, undefined, PAGE)));
  });

  const from = new Date(NOW - DAY + 10 * 60_000);
  const until = new Date(NOW - DAY + 40 * 60_000);
  const deliveryCases: [string, DeliveryFilter][] = [
    ['a callback', { scope: ['acct_0'], callbackId: 'cb_0003' }],
    ['a callback, dead', { scope: ['acct_0'], callbackId: 'cb_0000', states: [DeliveryState.DEAD] }],
    ['a callback, over a time range', { scope: ['acct_0'], callbackId: 'cb_0006', from, until }],
    ['an account', { scope: ['acct_0'] }],
    ['an account, pending', { scope: ['acct_0'], states: [DeliveryState.PENDING] }],
  ];
  it.each(deliveryCases)('lists the deliveries of %s page by page, newest first', async (_, filter) => {
    const expected = deliveries
      .filter(
        (d) =>
          filter.scope !== '*' &&
          filter.scope.includes(d.accountId) &&
          (filter.callbackId === undefined || d.callbackId === filter.callbackId) &&
          (filter.states === undefined || filter.states.includes(d.state)) &&
          (filter.from === undefined || d.createTime >= filter.from) &&
          (filter.until === undefined || d.createTime < filter.until),
      )
      .sort(newestFirst);
    expect(expected.length).toBeGreaterThan(PAGE);
    expect(await deliveryPages(filter)).toEqual(chunks(expected.map((d) => d.id)));
    const cursor = { createTime: expected[PAGE - 1]!.createTime, id: expected[PAGE - 1]!.id };
    await expectIndexOrder(await explained(() => log.list(filter, cursor, PAGE)));
    await expectIndexOrder(await explained(() => log.list(filter, undefined, PAGE)));
  });
});
