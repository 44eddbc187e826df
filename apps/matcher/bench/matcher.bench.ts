/**
 * npm run bench:matcher — events matched per second by one matcher holding 10,000 callbacks over
 * 1,000 databases (mixed conditions), against the limit measured in the same run: a bare
 * consumer on the same stream that only acknowledges the same events. Prints JSON lines.
 *
 * Also measured in the same run, for information: how fast the server stores job-sized messages
 * published the way the matcher publishes them (`store` line), and where the CPU goes — the bench
 * process (the matcher) and nats-server, per event (`cpu` line).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { AckPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import { startMongo, startNats } from '@callbacks/infra';
import { createLogger } from '@callbacks/logger';
import {
  AckedPublisher,
  connectNats,
  CONTENT_TYPES,
  ensureStream,
  HEADERS,
  MATCHED_BY_HEADER,
  ProfileEventPublisher,
  STREAMS,
  SUBJECTS,
} from '@callbacks/messaging';
import { Action, Origin, ProfileEvent } from '@callbacks/proto/callbacks/events/v1/profile_event';
import type { Callback } from '@callbacks/proto/callbacks/v1/callback';
import { type Condition, FieldComparison, RuleMode } from '@callbacks/proto/callbacks/v1/condition';
import {
  auth,
  call,
  fieldCondition,
  sampleCallback,
  sampleEvent,
  startConfigServiceProcess,
  startCpuProfile,
  waitForConsumerIdle,
} from '@callbacks/testing';
import { startMatcher } from '../src/app';
import { loadMatcherSettings } from '../src/config';
import { MATCHER_CONSUMER } from '../src/events/event-consumer';
import { EventJobs } from '../src/matching/delivery-job';

const CALLBACKS = Number(process.env.BENCH_CALLBACKS ?? 10_000);
const DATABASES = Number(process.env.BENCH_DATABASES ?? 1_000);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);
/** The store limit: this many messages, this many awaiting their acknowledgement at any time. */
const STORE_JOBS = Number(process.env.BENCH_STORE_JOBS ?? 40_000);
const STORE_WINDOW = Number(process.env.BENCH_STORE_WINDOW ?? 512);

const progress = (line: string) => console.error(`bench:matcher: ${line}`);

const rule = (name: string, conditions: ReturnType<typeof fieldCondition>[], mode = RuleMode.INCLUDE) => ({
  name,
  mode,
  disabled: false,
  conditions,
});

/**
 * A mix of what customers configure, per database of ten callbacks: one without a condition,
 * the others selective (as conditions are), so an event fires about one callback in ten.
 */
function conditionFor(i: number): Condition | undefined {
  const city = `city-${i % 7}`;
  switch (i % 10) {
    case 0:
      return undefined;
    case 1:
    case 2:
      return { rules: [rule('city', [fieldCondition('city', FieldComparison.EQUALS, city)])], expression: '' };
    case 3:
    case 4:
      return {
        rules: [
          rule('a', [
            fieldCondition('name', FieldComparison.STARTS_WITH, 'pi'),
            fieldCondition('city', FieldComparison.EQUALS, 'Rotterdam'),
          ]),
          rule('b', [
            fieldCondition('city', FieldComparison.CONTAINS, 'xyz'),
            fieldCondition('age', FieldComparison.NOT_EMPTY),
          ]),
          rule('c', [fieldCondition('email', FieldComparison.ENDS_WITH, '@example.org')], RuleMode.EXCLUDE),
        ],
        expression: '',
      };
    case 5:
    case 6:
      return { rules: [], expression: `profile.fields.city == "${city}" && event.origin != "REST"` };
    case 7:
    case 8:
      return {
        rules: [rule('mail', [fieldCondition('email', FieldComparison.REGEXP, '^[a-z]+@example\\.net$')])],
        expression: '',
      };
    default:
      return {
        rules: [
          rule('in', [
            {
              kind: {
                $case: 'field',
                value: {
                  field: 'city',
                  comparison: FieldComparison.IN,
                  operand: undefined,
                  values: ['Utrecht', 'Den Haag'],
                  numeric: false,
                  caseSensitive: false,
                },
              },
            },
          ]),
        ],
        expression: '',
      };
  }
}

/** CPU time of this process and of nats-server (from /proc, when there is one) since it was made. */
function cpuMeter(natsPid: number | undefined) {
  const natsSeconds = () => {
    if (natsPid === undefined) return Number.NaN;
    try {
      const stat = readFileSync(`/proc/${natsPid}/stat`, 'utf8');
      const [utime, stime] = stat
        .slice(stat.lastIndexOf(')') + 2)
        .split(' ')
        .slice(11, 13)
        .map(Number);
      return ((utime ?? Number.NaN) + (stime ?? Number.NaN)) / 100; // clock ticks (USER_HZ = 100)
    } catch {
      return Number.NaN; // no /proc (not Linux): the figure is left out
    }
  };
  const self = process.cpuUsage();
  const nats = natsSeconds();
  return {
    /** µs of CPU per item since the meter was made. */
    perItem(items: number) {
      const { user, system } = process.cpuUsage(self);
      const natsUs = (natsSeconds() - nats) * 1e6;
      return {
        self: +((user + system) / items).toFixed(1),
        nats: Number.isNaN(natsUs) ? null : +(natsUs / items).toFixed(1),
      };
    },
  };
}

/**
 * Job-sized messages stored per second: published as the matcher publishes jobs (AckedPublisher,
 * its headers, a new Nats-Msg-Id each, one subject per callback) with `window` awaiting their
 * acknowledgement at any time.
 */
async function storeRate(
  nc: NatsConnection,
  callbacks: readonly Callback[],
  job: Uint8Array,
  count: number,
  window: number,
  natsPid: number | undefined,
) {
  const publisher = new AckedPublisher(nc);
  const prefix = `store-${randomBytes(4).toString('hex')}-`;
  const cpu = cpuMeter(natsPid);
  const started = performance.now();
  let sent = 0;
  const sender = async () => {
    while (sent < count) {
      const n = sent++;
      const callback = callbacks[n % callbacks.length]!;
      const h = natsHeaders();
      h.set(HEADERS.contentType, CONTENT_TYPES.protobuf);
      h.set(MATCHED_BY_HEADER, `bench:${process.pid}`);
      await publisher.publish(SUBJECTS.deliveryJob(callback.accountId, callback.id), job, {
        msgId: `${prefix}${n}`,
        headers: h,
      });
    }
  };
  await Promise.all(Array.from({ length: window }, sender));
  const rate = count / ((performance.now() - started) / 1000);
  publisher.close();
  return { rate, cpu: cpu.perItem(count) };
}

async function main(): Promise<void> {
  progress('starting nats-server, the MongoDB-wire server and the config service...');
  const [nats, mongo] = await Promise.all([startNats(), startMongo()]);
  const config = await startConfigServiceProcess({ mongoUrl: mongo.url, natsUrl: nats.url });
  const admin = auth(config.adminToken);
  const nc = await connectNats({ servers: [nats.url], name: 'bench' });
  try {
    progress(`creating ${CALLBACKS} callbacks over ${DATABASES} databases...`);
    const started = Date.now();
    const callbacks: Callback[] = [];
    for (let i = 0; i < CALLBACKS; i += 100) {
      const created = await Promise.all(
        Array.from({ length: Math.min(100, CALLBACKS - i) }, (_, j) => {
          const n = i + j;
          const callback: Callback = sampleCallback({
            databaseId: `db-${n % DATABASES}`,
            actions: [],
            triggers: [],
            condition: conditionFor(n),
          });
          return call(config.client.createCallback.bind(config.client), { callback }, admin, 60_000);
        }),
      );
      for (const { callback } of created) if (callback) callbacks.push(callback);
      if ((i + 100) % 2_000 === 0) progress(`  ${i + 100} callbacks (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    }

    const settings = loadMatcherSettings({
      NATS_URL: nats.url,
      MATCHER_CONCURRENCY: process.env.MATCHER_CONCURRENCY ?? '',
      LOG_LEVEL: 'silent',
    });
    const day = 86_400_000;
    await ensureStream(nc, 'events', { replicas: 1, maxAgeMs: day, duplicateWindowMs: 120_000 });
    // As the matcher will have it (it creates it too), for the store limit below.
    await ensureStream(nc, 'deliveries', {
      replicas: settings.deliveriesReplicas,
      maxAgeMs: settings.deliveriesMaxAgeMs,
      duplicateWindowMs: settings.deliveriesDuplicateWindowMs,
    });
    progress(`publishing ${EVENTS} events...`);
    const publisher = new ProfileEventPublisher(nc);
    const cities = ['Amsterdam', 'Rotterdam', 'city-1', 'city-3', 'Utrecht'];
    const eventFor = (n: number) =>
      sampleEvent({
        eventId: `bench-${randomBytes(8).toString('hex')}`,
        databaseId: `db-${n % DATABASES}`,
        action: Action.UPDATE,
        origin: n % 3 === 0 ? Origin.REST : Origin.PUBLISHER,
        fields: {
          name: n % 2 ? 'piet' : 'klaas',
          city: cities[n % cities.length]!,
          age: String(20 + (n % 50)),
          email: n % 4 ? 'piet@example.com' : 'klaas@example.org',
        },
      });
    for (let i = 0; i < EVENTS; i += 500) {
      await Promise.all(
        Array.from({ length: Math.min(500, EVENTS - i) }, (_, j) => publisher.publish(eventFor(i + j))),
      );
    }

    // The limit: a bare consumer that only acknowledges the same events, pulled the same way.
    const jsm = await jetstreamManager(nc);
    await jsm.consumers.add(STREAMS.events.name, {
      durable_name: 'bare',
      ack_policy: AckPolicy.Explicit,
      filter_subject: SUBJECTS.allEvents,
      max_ack_pending: 10_000,
    });
    const bare = await jetstream(nc).consumers.get(STREAMS.events.name, 'bare');
    let acked = 0;
    const natsPid = nats.managed?.pid;
    const bareCpu = cpuMeter(natsPid);
    const bareStart = performance.now();
    const messages = await bare.consume({ max_messages: 128 });
    for await (const msg of messages) {
      msg.ack();
      if (++acked === EVENTS) break;
    }
    await messages.close();
    await waitForConsumerIdle(nc, STREAMS.events.name, 'bare');
    const limit = EVENTS / ((performance.now() - bareStart) / 1000);
    const bareCpuUs = bareCpu.perItem(EVENTS);

    progress('storing job-sized messages without a matcher...');
    const sample = eventFor(0);
    const job = new EventJobs(sample, ProfileEvent.encode(sample).finish(), new Date()).job(callbacks[0]!, false).data;
    const store = await storeRate(nc, callbacks, job, STORE_JOBS, STORE_WINDOW, natsPid);
    await jsm.streams.purge(STREAMS.deliveries.name); // the matcher starts on an empty stream, as before

    progress('matching with one matcher...');
    const loadStart = performance.now();
    const matcher = await startMatcher(settings, createLogger({ service: 'bench', level: 'silent' }));
    const loadMs = performance.now() - loadStart;
    const matchCpu = cpuMeter(natsPid);
    const matchStart = performance.now();
    const profile = await startCpuProfile(progress);
    await waitForConsumerIdle(nc, STREAMS.events.name, MATCHER_CONSUMER, 600_000);
    const seconds = (performance.now() - matchStart) / 1000;
    const matchCpuUs = matchCpu.perItem(EVENTS);
    await profile?.();
    const value = EVENTS / seconds;
    const jobs = matcher.stats.jobs;
    await matcher.stop();

    const line = (fields: Record<string, unknown>) => console.log(JSON.stringify({ bench: 'matcher', ...fields }));
    line({
      case: 'events',
      value: Math.round(value),
      unit: 'events/s',
      limit: Math.round(limit),
      ratio: +(value / limit).toFixed(3),
      callbacks: CALLBACKS,
      databases: DATABASES,
      events: EVENTS,
    });
    line({
      case: 'jobs',
      value: Math.round(jobs / seconds),
      unit: 'jobs/s',
      jobs,
      jobs_per_event: +(jobs / EVENTS).toFixed(2),
    });
    line({
      case: 'store',
      value: Math.round(jobs / seconds),
      unit: 'jobs/s',
      limit: Math.round(store.rate),
      ratio: +(jobs / seconds / store.rate).toFixed(3),
      limit_events_per_s: Math.round(store.rate / (jobs / EVENTS)),
      note: `limit: ${STORE_JOBS} job-sized messages (${job.length} bytes, the matcher's headers, a new Nats-Msg-Id each, over ${callbacks.length} subjects) published ${STORE_WINDOW} at a time with AckedPublisher, each acknowledged by the stream, no matcher`,
    });
    line({
      case: 'cpu',
      unit: 'µs',
      matching_per_event: { bench_process: matchCpuUs.self, nats_server: matchCpuUs.nats },
      bare_ack_per_event: { bench_process: bareCpuUs.self, nats_server: bareCpuUs.nats },
      store_per_job: { bench_process: store.cpu.self, nats_server: store.cpu.nats },
      note: 'CPU time (user + system) over each phase; the matcher runs in the bench process, nats-server is read from /proc',
    });
    line({
      case: 'load',
      value: Math.round(loadMs),
      unit: 'ms',
      note: `start-up: streams, consumer and ${CALLBACKS} callbacks loaded and compiled`,
    });
  } finally {
    await nc.close();
    await config.close();
    await Promise.all([nats.close(), mongo.close()]);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error('bench:matcher failed:', error);
    process.exit(1);
  },
);
