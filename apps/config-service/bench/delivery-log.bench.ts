/**
 * npm run bench:delivery-log — attempt results recorded per second into the delivery log, round
 * after round while the log grows, against the raw rate of inserting documents of the same size
 * into the same server, measured just before each round (the machine is shared: a floor taken
 * beside each round keeps its ratio honest when the load changes).
 *
 * Each round records ROUND deliveries the way the config service's results consumer does
 * (RecordAttemptResult over the MongoDB delivery log, endpoint health and statistics, batches of
 * BATCH results one after another): most succeed at their first attempt, one in BENCH_RETRY_EVERY
 * (10; 0 for none) fails once and succeeds at the second, which updates the delivery. A log whose
 * cost per result grows with its size shows as a falling ratio from round to round (`growth`:
 * the first round's ratio over the last's). Prints JSON lines; runs against `mongod` when one is
 * on the PATH, otherwise FerretDB. BENCH_ROUNDS=10 BENCH_ROUND=10000 grows it to 100,000.
 */
import { type Db, MongoClient } from 'mongodb';
import { startMongo } from '@callbacks/infra';
import { createLogger } from '@callbacks/logger';
import { type AttemptResult, Outcome } from '@callbacks/proto/callbacks/delivery/v1/delivery_job';
import { sampleCallback, sampleEvent } from '@callbacks/testing';
import type { CallbackRepository } from '../src/callbacks/ports';
import type { UpdateCallback } from '../src/callbacks/update-callback';
import { BufferedDeliveryStats } from '../src/deliveries/buffered-stats';
import { EndpointHealth } from '../src/deliveries/endpoint-health';
import { HeldSuccesses } from '../src/deliveries/held-successes';
import { RecordAttemptResult } from '../src/deliveries/record-attempt-result';
import { MongoDeliveryLog } from '../src/mongo/mongo-delivery-log';
import { MongoDeliveryStats } from '../src/mongo/mongo-delivery-stats';
import { MongoEndpointHealth } from '../src/mongo/mongo-endpoint-health';
import { attemptResult, SUCCESS } from '../test/delivery-world';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const ROUND = Number(process.env.BENCH_ROUND ?? 1_000);
const RETRY_EVERY = Number(process.env.BENCH_RETRY_EVERY ?? 10); // 0: every delivery succeeds at once
const CALLBACKS = 20;
const BATCH = 200; // the config service's default CONFIG_DELIVERY_LOG_BATCH
const CONCURRENCY = 16; // raw inserts in flight
const RAW_INSERTS = 2_000; // the floor's sample before each round
/** Results per raw insert that the log must keep (issue 22: today's 1.43–1.48 without retries). */
const TARGET_RATIO = 1.4;
const DAY = 24 * 60 * 60_000;

const line = (fields: Record<string, unknown>) => console.log(JSON.stringify({ bench: 'delivery-log', ...fields }));
const progress = (text: string) => console.error(`bench:delivery-log: ${text}`);

/** Documents of about a delivery's size inserted one by one: the server's own write rate. */
async function rawInsertRate(db: Db, count: number): Promise<number> {
  const collection = db.collection<{ _id: string; event: string; createTime: Date }>(`raw_${Date.now()}`);
  const event = JSON.stringify(sampleEvent());
  const started = performance.now();
  await pool(count, (i) =>
    collection.insertOne({ _id: `raw-${i}`, event, createTime: new Date() }).then(() => undefined),
  );
  const rate = count / ((performance.now() - started) / 1000);
  await collection.drop();
  return rate;
}

/** Runs `task(0..count-1)`, CONCURRENCY at a time. */
async function pool(count: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

/**
 * The results of one round, in the order the dispatcher would publish them: the first attempts,
 * then the second attempts of those that were retried (in other batches, as in a real log).
 */
function roundResults(round: number): AttemptResult[] {
  const callbacks = Array.from({ length: CALLBACKS }, (_, i) =>
    sampleCallback({ id: `cb_bench_${i}`, accountId: '42', revision: 1 }),
  );
  const first: AttemptResult[] = [];
  const second: AttemptResult[] = [];
  for (let i = 0; i < ROUND; i++) {
    const callback = callbacks[i % CALLBACKS]!;
    const event = sampleEvent({ eventId: `evt_${round}_${i}` });
    const startedAt = new Date();
    if (RETRY_EVERY === 0 || i % RETRY_EVERY !== 0) {
      first.push(attemptResult(callback, event, { ...SUCCESS, startedAt }));
      continue;
    }
    first.push(
      attemptResult(callback, event, {
        outcome: Outcome.RETRYING,
        startedAt,
        nextAttemptAt: new Date(startedAt.getTime() + 1_000),
      }),
    );
    second.push(
      attemptResult(callback, event, { ...SUCCESS, attempt: 2, startedAt: new Date(startedAt.getTime() + 1_000) }),
    );
  }
  return [...first, ...second];
}

async function main(): Promise<void> {
  const server = await startMongo();
  const client = await new MongoClient(server.url).connect();
  try {
    const db = client.db('bench');
    const log = new MongoDeliveryLog(db, DAY);
    const store = new MongoEndpointHealth(db, DAY);
    await log.ensureIndexes();
    await store.ensureIndexes();
    const statsStore = new MongoDeliveryStats(db, DAY);
    await statsStore.ensureIndexes();
    // As the service runs it: statistics counted in memory, written every 10 s (here: after each round).
    const stats = new BufferedDeliveryStats(statsStore, (error) => {
      throw error;
    });
    const never = new Proxy({}, { get: () => () => Promise.reject(new Error('the bench never disables a callback')) });
    // As the service runs it: a callback's successes written about once a second.
    const successes = new HeldSuccesses(store, 1_000, (error) => {
      throw error;
    });
    const health = new EndpointHealth({
      store: successes,
      repository: never as CallbackRepository,
      update: never as UpdateCallback,
      failingPeriodMs: 365 * DAY,
      clock: () => new Date(),
      log: createLogger({ service: 'bench', level: 'error' }),
    });
    const recorder = new RecordAttemptResult({ log, health, stats, clock: () => new Date() });

    progress(`recording into ${server.url}...`);
    let logSize = 0;
    const ratios: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const floor = await rawInsertRate(db, RAW_INSERTS);
      const results = roundResults(round);
      const started = performance.now();
      for (let i = 0; i < results.length; i += BATCH) await recorder.execute(results.slice(i, i + BATCH));
      await stats.flush();
      await successes.flush();
      const rate = results.length / ((performance.now() - started) / 1000);
      logSize += ROUND;
      ratios.push(rate / floor);
      progress(`round ${round}: ${results.length} results, log now ${logSize} deliveries`);
      line({
        case: 'round',
        round,
        deliveries_in_log: logSize,
        value: Math.round(rate),
        unit: 'results/s',
        limit: Math.round(floor),
        ratio: Number((rate / floor).toFixed(3)),
      });
    }
    line({
      case: 'last_round',
      deliveries_in_log: logSize,
      retry_every: RETRY_EVERY,
      value: Number(ratios.at(-1)!.toFixed(3)),
      unit: 'results/s per raw insert/s',
      limit: TARGET_RATIO,
      ratio: Number((ratios.at(-1)! / TARGET_RATIO).toFixed(3)),
      first_round: Number(ratios[0]!.toFixed(3)),
      growth: Number((ratios[0]! / ratios.at(-1)!).toFixed(2)),
    });
  } finally {
    await client.close();
    await server.close();
  }
}

await main();
