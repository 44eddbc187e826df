/**
 * npm run bench:list-pages — how long the console's pages take with BENCH_CALLBACKS (100,000)
 * callbacks and BENCH_DELIVERIES (100,000) deliveries stored: ListCallbacks and ListDeliveries
 * through their use-cases and MongoDB stores (no HTTP in between), with the filters and page
 * sizes the console sends, the first page and a later one by its page token. Each question is
 * asked ROUNDS times (once when it takes over ten times the limit); the median is printed against
 * the 200 ms limit (issue 22), `ratio` being limit / median (1.0 is the limit). Callbacks belong to ACCOUNTS accounts; the deliveries to
 * ten callbacks of the first, over the last 24 hours, most succeeded, some dead or pending.
 * Runs against `mongod` when one is on the PATH, otherwise FerretDB.
 */
import { MongoClient } from 'mongodb';
import { startMongo } from '@callbacks/infra';
import { type Callback, CallbackState } from '@callbacks/proto/callbacks/v1/callback';
import type { ListCallbacksRequest, ListDeliveriesRequest } from '@callbacks/proto/callbacks/v1/callback_service';
import { DeliveryState } from '@callbacks/proto/callbacks/v1/delivery';
import { sampleCallback, sampleEvent } from '@callbacks/testing';
import type { Principal } from '../src/auth/tokens';
import { ListCallbacks } from '../src/callbacks/list-callbacks';
import { ListDeliveries } from '../src/deliveries/list-deliveries';
import type { DeliveryRecord } from '../src/deliveries/ports';
import { toDocument } from '../src/mongo/callback-document';
import { MongoCallbackRepository } from '../src/mongo/mongo-callback-repository';
import { MongoDeliveryLog } from '../src/mongo/mongo-delivery-log';

const CALLBACKS = Number(process.env.BENCH_CALLBACKS ?? 100_000);
const DELIVERIES = Number(process.env.BENCH_DELIVERIES ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const ACCOUNTS = 100;
const LIMIT_MS = 200;
const FILL_BATCH = 1_000;
const DAY = 24 * 60 * 60_000;

const line = (fields: Record<string, unknown>) => console.log(JSON.stringify({ bench: 'list-pages', ...fields }));
const progress = (text: string) => console.error(`bench:list-pages: ${text}`);

async function main(): Promise<void> {
  const server = await startMongo();
  const client = await new MongoClient(server.url).connect();
  try {
    const db = client.db('callbacks');
    const repository = new MongoCallbackRepository(db);
    const log = new MongoDeliveryLog(db, 30 * DAY);
    await repository.ensureIndexes();
    await log.ensureIndexes();

    const account = (i: number) => `acct_${i % ACCOUNTS}`;
    const callbackOf = (i: number): Callback =>
      sampleCallback({
        id: `cb_${String(i).padStart(6, '0')}`,
        accountId: account(i),
        // Within each account: one in seven per database, one in ten disabled.
        databaseId: `db_${Math.floor(i / ACCOUNTS) % 7}`,
        state: Math.floor(i / ACCOUNTS) % 10 === 0 ? CallbackState.DISABLED : CallbackState.ACTIVE,
        revision: 1,
      });
    const started = performance.now();
    for (let from = 0; from < CALLBACKS; from += FILL_BATCH) {
      const docs = [];
      for (let i = from; i < Math.min(CALLBACKS, from + FILL_BATCH); i++) docs.push(toDocument(callbackOf(i)));
      await db.collection('callbacks').insertMany(docs as never[]);
      if ((from + FILL_BATCH) % 20_000 === 0) progress(`${from + FILL_BATCH} callbacks stored`);
    }
    // The deliveries go to ten callbacks of acct_0 (cb_000000, cb_000100, ...).
    const busy = Array.from({ length: 10 }, (_, i) => callbackOf(i * ACCOUNTS));
    const now = Date.now();
    for (let from = 0; from < DELIVERIES; from += FILL_BATCH) {
      const records: DeliveryRecord[] = [];
      for (let i = from; i < Math.min(DELIVERIES, from + FILL_BATCH); i++) {
        const callback = busy[i % busy.length]!;
        const createTime = new Date(now - DAY + Math.floor((i / DELIVERIES) * DAY));
        const state =
          i % 50 === 0 ? DeliveryState.DEAD : i % 20 === 1 ? DeliveryState.PENDING : DeliveryState.SUCCEEDED;
        records.push({
          origin: {
            id: `dl_${String(i).padStart(7, '0')}`,
            accountId: callback.accountId,
            callbackId: callback.id,
            eventId: `evt_${i}`,
            createTime,
            replayOf: '',
            callbackRevision: 1,
            event: sampleEvent({ eventId: `evt_${i}` }),
          },
          progress: {
            progress: 12,
            state,
            attemptCount: state === DeliveryState.DEAD ? 10 : 1,
            nextAttemptTime: state === DeliveryState.PENDING ? new Date(now + 60_000) : undefined,
            lastAttempt: {
              number: 1,
              startTime: createTime,
              duration: { seconds: 0, nanos: 80_000_000 },
              statusCode: state === DeliveryState.SUCCEEDED ? 200 : 503,
              errorClass: state === DeliveryState.SUCCEEDED ? '' : 'http_status',
              errorMessage: '',
              responseExcerpt: 'ok',
            },
            updateTime: createTime,
          },
        });
      }
      await log.record(records, []);
      if ((from + FILL_BATCH) % 20_000 === 0) progress(`${from + FILL_BATCH} deliveries stored`);
    }
    line({
      case: 'fill',
      callbacks: CALLBACKS,
      deliveries: DELIVERIES,
      value: Math.round((performance.now() - started) / 1000),
      unit: 's',
    });

    const principal: Principal = { name: 'console', accounts: new Set([account(0)]) };
    const listCallbacks = new ListCallbacks({ repository });
    const listDeliveries = new ListDeliveries({ log });
    const callbacksRequest = (request: Partial<ListCallbacksRequest>): ListCallbacksRequest => ({
      accountId: '',
      databaseId: '',
      collectionId: '',
      state: CallbackState.UNSPECIFIED,
      labels: {},
      pageSize: 20,
      pageToken: '',
      ...request,
    });
    const deliveriesRequest = (request: Partial<ListDeliveriesRequest>): ListDeliveriesRequest => ({
      callbackId: busy[0]!.id,
      state: DeliveryState.UNSPECIFIED,
      startTime: undefined,
      endTime: undefined,
      pageSize: 50,
      pageToken: '',
      ...request,
    });
    /** The token of the `n`th page (1 is the first: no token). */
    async function tokenOf(n: number, next: (token: string) => Promise<string>): Promise<string> {
      let token = '';
      for (let page = 1; page < n; page++) token = await next(token);
      return token;
    }
    const callbacksToken = await tokenOf(
      5,
      async (pageToken) =>
        (await listCallbacks.execute(principal, callbacksRequest({ accountId: account(0), pageToken }))).nextPageToken,
    );
    const deliveriesToken = await tokenOf(
      5,
      async (pageToken) => (await listDeliveries.execute(principal, deliveriesRequest({ pageToken }))).nextPageToken,
    );

    const questions: Record<string, () => Promise<number>> = {
      callbacks_first_page: async () =>
        (await listCallbacks.execute(principal, callbacksRequest({ accountId: account(0) }))).callbacks.length,
      callbacks_fifth_page: async () =>
        (await listCallbacks.execute(principal, callbacksRequest({ accountId: account(0), pageToken: callbacksToken })))
          .callbacks.length,
      callbacks_by_state_and_database: async () =>
        (
          await listCallbacks.execute(
            principal,
            callbacksRequest({ accountId: account(0), state: CallbackState.ACTIVE, databaseId: 'db_3' }),
          )
        ).callbacks.length,
      deliveries_first_page: async () =>
        (await listDeliveries.execute(principal, deliveriesRequest({}))).deliveries.length,
      deliveries_fifth_page: async () =>
        (await listDeliveries.execute(principal, deliveriesRequest({ pageToken: deliveriesToken }))).deliveries.length,
      deliveries_dead: async () =>
        (await listDeliveries.execute(principal, deliveriesRequest({ state: DeliveryState.DEAD }))).deliveries.length,
      deliveries_last_6h: async () =>
        (
          await listDeliveries.execute(
            principal,
            deliveriesRequest({ startTime: new Date(now - DAY / 4), endTime: new Date(now) }),
          )
        ).deliveries.length,
      // The callbacks page shows each callback's last delivery: one of these per row.
      last_delivery_of_a_callback: async () =>
        (await listDeliveries.execute(principal, deliveriesRequest({ pageSize: 1 }))).deliveries.length,
    };
    for (const [name, ask] of Object.entries(questions)) {
      const times: number[] = [];
      let rows = 0;
      for (let round = 0; round < ROUNDS; round++) {
        const t = performance.now();
        rows = await ask();
        times.push(performance.now() - t);
        // A question ten times over the limit is not asked again: its figure says enough.
        if (times[0]! > 10 * LIMIT_MS) break;
      }
      times.sort((a, b) => a - b);
      const median = times[Math.floor(times.length / 2)]!;
      line({
        case: name,
        rows,
        value: Number(median.toFixed(1)),
        unit: 'ms (median)',
        limit: LIMIT_MS,
        ratio: Number((LIMIT_MS / median).toFixed(3)),
        worst_ms: Number(times.at(-1)!.toFixed(1)),
        rounds: times.length,
      });
    }
  } finally {
    await client.close();
    await server.close();
  }
}

await main();
