/**
 * npm run bench:delivery-stats — how long GetDeliveryStats takes with BENCH_DELIVERIES (100,000)
 * deliveries in the log. The log is filled the way the config service fills it (RecordAttemptResult
 * over the MongoDB delivery log, endpoint health and statistics, batches of 200), with attempts
 * spread over the last 24 hours across CALLBACKS callbacks of one account, one in ten failing
 * once before it succeeds. Then each question a console asks is timed ROUNDS times through the
 * use-case with its MongoDB store (no HTTP in between): median and worst, in ms. Prints JSON
 * lines; runs against `mongod` when one is on the PATH, otherwise FerretDB.
 */
import { MongoClient } from 'mongodb';
import { startMongo } from '@callbacks/infra';
import { createLogger } from '@callbacks/logger';
import { type AttemptResult, Outcome } from '@callbacks/proto/callbacks/delivery/v1/delivery_job';
import { StatsInterval } from '@callbacks/proto/callbacks/v1/callback_service';
import { sampleCallback, sampleEvent } from '@callbacks/testing';
import type { CallbackRepository } from '../src/callbacks/ports';
import type { UpdateCallback } from '../src/callbacks/update-callback';
import { BufferedDeliveryStats } from '../src/deliveries/buffered-stats';
import { tallyAttempts } from '../src/deliveries/delivery-stats';
import { EndpointHealth } from '../src/deliveries/endpoint-health';
import { GetDeliveryStats } from '../src/deliveries/get-delivery-stats';
import { RecordAttemptResult } from '../src/deliveries/record-attempt-result';
import { MongoDeliveryLog } from '../src/mongo/mongo-delivery-log';
import { MongoDeliveryStats } from '../src/mongo/mongo-delivery-stats';
import { MongoEndpointHealth } from '../src/mongo/mongo-endpoint-health';
import { attemptResult, SUCCESS } from '../test/delivery-world';

const DELIVERIES = Number(process.env.BENCH_DELIVERIES ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);
const CALLBACKS = 10;
const BATCH = 200;
/** `stats`: record the statistics alone (the collection the question reads), not the whole log: minutes instead of half an hour. */
const FILL = process.env.BENCH_FILL ?? 'log';
/** Batches between two writes of the statistics: 10 s of the config service's flush interval at ~1,000 results/s. */
const FLUSH_EVERY = 50;
const DAY = 24 * 60 * 60_000;
/** Issue 19: GetDeliveryStats within 200 ms with 100,000 deliveries in the log. */
const LIMIT_MS = 200;

const line = (fields: Record<string, unknown>) => console.log(JSON.stringify({ bench: 'delivery-stats', ...fields }));
const progress = (text: string) => console.error(`bench:delivery-stats: ${text}`);

async function main(): Promise<void> {
  const server = await startMongo();
  const client = await new MongoClient(server.url).connect();
  try {
    const db = client.db('callbacks');
    const log = new MongoDeliveryLog(db, 30 * DAY);
    const healthStore = new MongoEndpointHealth(db, 30 * DAY);
    const statsStore = new MongoDeliveryStats(db, 30 * DAY);
    // As the service runs it: counted in memory, written every 10 s (here: every FLUSH_EVERY batches).
    const stats = new BufferedDeliveryStats(statsStore, (error) => {
      throw error;
    });
    await log.ensureIndexes();
    await healthStore.ensureIndexes();
    await statsStore.ensureIndexes();
    const never = new Proxy({}, { get: () => () => Promise.reject(new Error('the bench never disables a callback')) });
    const health = new EndpointHealth({
      store: healthStore,
      repository: never as CallbackRepository,
      update: never as UpdateCallback,
      failingPeriodMs: 365 * DAY,
      clock: () => new Date(),
      log: createLogger({ service: 'bench', level: 'error' }),
    });
    const recorder = new RecordAttemptResult({ log, health, stats, clock: () => new Date() });

    const callbacks = Array.from({ length: CALLBACKS }, (_, i) =>
      sampleCallback({ id: `cb_stats_${i}`, accountId: '42', revision: 1 }),
    );
    const now = Date.now();
    const started = performance.now();
    for (let from = 0; from < DELIVERIES; from += BATCH) {
      const batch: AttemptResult[] = [];
      for (let i = from; i < Math.min(DELIVERIES, from + BATCH); i++) {
        const callback = callbacks[i % CALLBACKS]!;
        const event = sampleEvent({ eventId: `evt_${i}` });
        const startedAt = new Date(now - DAY + Math.floor((i / DELIVERIES) * DAY));
        const duration = { seconds: 0, nanos: (20 + (i % 50) * 7) * 1_000_000 };
        if (i % 10 === 0) {
          batch.push(
            attemptResult(callback, event, {
              outcome: Outcome.RETRYING,
              startedAt,
              duration,
              nextAttemptAt: new Date(startedAt.getTime() + 5_000),
            }),
          );
          batch.push(
            attemptResult(callback, event, {
              ...SUCCESS,
              attempt: 2,
              duration,
              startedAt: new Date(startedAt.getTime() + 5_000),
            }),
          );
        } else {
          batch.push(attemptResult(callback, event, { ...SUCCESS, startedAt, duration }));
        }
      }
      if (FILL === 'stats') {
        await stats.add(
          tallyAttempts(
            batch.map((r) => ({
              deliveryId: r.deliveryId,
              accountId: r.accountId,
              callbackId: r.callbackId,
              outcome: r.outcome,
              attempt: {
                number: r.attempt,
                startTime: r.startedAt,
                duration: r.duration,
                statusCode: r.statusCode,
                errorClass: '',
                errorMessage: '',
                responseExcerpt: '',
              },
              deliveryCreateTime: r.startedAt ?? new Date(),
            })),
          ),
        );
      } else {
        await recorder.execute(batch);
      }
      if ((from / BATCH) % FLUSH_EVERY === FLUSH_EVERY - 1) await stats.flush();
      if ((from + BATCH) % 10_000 === 0) progress(`${from + BATCH} deliveries recorded`);
    }
    await stats.flush();
    line({
      case: 'fill',
      fill: FILL,
      deliveries: DELIVERIES,
      value: Math.round(DELIVERIES / ((performance.now() - started) / 1000)),
      unit: 'deliveries/s',
    });

    const repository = {
      findById: (id: string) => Promise.resolve(callbacks.find((c) => c.id === id)),
    } as unknown as CallbackRepository;
    const useCase = new GetDeliveryStats({ stats, repository, clock: () => new Date() });
    const principal = { name: 'bench', accounts: '*' as const };
    const questions = {
      callback_24h_by_hour: {
        callbackId: 'cb_stats_0',
        accountId: '',
        startTime: new Date(now - DAY),
        endTime: new Date(now),
        interval: StatsInterval.UNSPECIFIED,
      },
      callback_6h_by_minute: {
        callbackId: 'cb_stats_0',
        accountId: '',
        startTime: new Date(now - DAY / 4),
        endTime: new Date(now),
        interval: StatsInterval.UNSPECIFIED,
      },
      account_24h_by_hour: {
        callbackId: '',
        accountId: '42',
        startTime: new Date(now - DAY),
        endTime: new Date(now),
        interval: StatsInterval.UNSPECIFIED,
      },
      account_24h_by_minute: {
        callbackId: '',
        accountId: '42',
        startTime: new Date(now - DAY + 60_000),
        endTime: new Date(now),
        interval: StatsInterval.MINUTE,
      },
    };
    for (const [name, request] of Object.entries(questions)) {
      const times: number[] = [];
      let attempts = 0;
      for (let round = 0; round < ROUNDS; round++) {
        const t = performance.now();
        const answer = await useCase.execute(principal, request);
        times.push(performance.now() - t);
        attempts = (answer.totals?.succeeded ?? 0) + (answer.totals?.retrying ?? 0) + (answer.totals?.dead ?? 0);
      }
      times.sort((a, b) => a - b);
      const median = times[Math.floor(times.length / 2)]!;
      line({
        case: name,
        attempts,
        value: Number(median.toFixed(1)),
        unit: 'ms (median)',
        limit: LIMIT_MS,
        ratio: Number((LIMIT_MS / median).toFixed(3)),
        worst_ms: Number(times.at(-1)!.toFixed(1)),
        rounds: ROUNDS,
      });
    }
  } finally {
    await client.close();
    await server.close();
  }
}

await main();
