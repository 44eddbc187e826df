/**
 * npm run bench:matcher — events matched per second by one matcher holding 10,000 callbacks over
 * 1,000 databases (mixed conditions), against the limit measured in the same run: a bare
 * consumer on the same stream that only acknowledges the same events. Prints JSON lines.
 */
import { randomBytes } from 'node:crypto';
import { AckPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { startMongo, startNats } from '@callbacks/infra';
import { createLogger } from '@callbacks/logger';
import { ProfileEventPublisher, STREAMS, SUBJECTS, connectNats, ensureStream } from '@callbacks/messaging';
import { Action, Origin } from '@callbacks/proto/callbacks/events/v1/profile_event';
import type { Callback } from '@callbacks/proto/callbacks/v1/callback';
import { FieldComparison, RuleMode, type Condition } from '@callbacks/proto/callbacks/v1/condition';
import { auth, call, fieldCondition, sampleCallback, sampleEvent, startConfigServiceProcess, startCpuProfile, waitForConsumerIdle } from '@callbacks/testing';
import { startMatcher } from '../src/app';
import { loadMatcherSettings } from '../src/config';
import { MATCHER_CONSUMER } from '../src/events/event-consumer';

const CALLBACKS = Number(process.env.BENCH_CALLBACKS ?? 10_000);
const DATABASES = Number(process.env.BENCH_DATABASES ?? 1_000);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);

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
          rule('a', [fieldCondition('name', FieldComparison.STARTS_WITH, 'pi'), fieldCondition('city', FieldComparison.EQUALS, 'Rotterdam')]),
          rule('b', [fieldCondition('city', FieldComparison.CONTAINS, 'xyz'), fieldCondition('age', FieldComparison.NOT_EMPTY)]),
          rule('c', [fieldCondition('email', FieldComparison.ENDS_WITH, '@example.org')], RuleMode.EXCLUDE),
        ],
        expression: '',
      };
    case 5:
    case 6:
      return { rules: [], expression: `profile.fields.city == "${city}" && event.origin != "REST"` };
    case 7:
    case 8:
      return { rules: [rule('mail', [fieldCondition('email', FieldComparison.REGEXP, '^[a-z]+@example\\.net$')])], expression: '' };
    default:
      return { rules: [rule('in', [{ kind: { $case: 'field', value: { field: 'city', comparison: FieldComparison.IN, operand: undefined, values: ['Utrecht', 'Den Haag'], numeric: false, caseSensitive: false } } }])], expression: '' };
  }
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
    for (let i = 0; i < CALLBACKS; i += 100) {
      await Promise.all(
        Array.from({ length: Math.min(100, CALLBACKS - i) }, (_, j) => {
          const n = i + j;
          const callback: Callback = sampleCallback({ databaseId: `db-${n % DATABASES}`, actions: [], triggers: [], condition: conditionFor(n) });
          return call(config.client.createCallback.bind(config.client), { callback }, admin, 60_000);
        }),
      );
      if ((i + 100) % 2_000 === 0) progress(`  ${i + 100} callbacks (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    }

    const day = 86_400_000;
    await ensureStream(nc, 'events', { replicas: 1, maxAgeMs: day, duplicateWindowMs: 120_000 });
    progress(`publishing ${EVENTS} events...`);
    const publisher = new ProfileEventPublisher(nc);
    const cities = ['Amsterdam', 'Rotterdam', 'city-1', 'city-3', 'Utrecht'];
    for (let i = 0; i < EVENTS; i += 500) {
      await Promise.all(
        Array.from({ length: Math.min(500, EVENTS - i) }, (_, j) => {
          const n = i + j;
          return publisher.publish(
            sampleEvent({
              eventId: `bench-${randomBytes(8).toString('hex')}`,
              databaseId: `db-${n % DATABASES}`,
              action: Action.UPDATE,
              origin: n % 3 === 0 ? Origin.REST : Origin.PUBLISHER,
              fields: { name: n % 2 ? 'piet' : 'klaas', city: cities[n % cities.length]!, age: String(20 + (n % 50)), email: n % 4 ? 'piet@example.com' : 'klaas@example.org' },
            }),
          );
        }),
      );
    }

    // The limit: a bare consumer that only acknowledges the same events, pulled the same way.
    const jsm = await jetstreamManager(nc);
    await jsm.consumers.add(STREAMS.events.name, { durable_name: 'bare', ack_policy: AckPolicy.Explicit, filter_subject: SUBJECTS.allEvents, max_ack_pending: 10_000 });
    const bare = await jetstream(nc).consumers.get(STREAMS.events.name, 'bare');
    let acked = 0;
    const bareStart = performance.now();
    const messages = await bare.consume({ max_messages: 128 });
    for await (const msg of messages) {
      msg.ack();
      if (++acked === EVENTS) break;
    }
    await messages.close();
    await waitForConsumerIdle(nc, STREAMS.events.name, 'bare');
    const limit = EVENTS / ((performance.now() - bareStart) / 1000);

    progress('matching with one matcher...');
    const settings = loadMatcherSettings({
      NATS_URL: nats.url,
      MATCHER_CONFIG_SERVICE_ADDR: config.address,
      MATCHER_CONFIG_SERVICE_TOKEN: config.adminToken,
      MATCHER_CONCURRENCY: process.env.MATCHER_CONCURRENCY ?? '',
      LOG_LEVEL: 'silent',
    });
    const loadStart = performance.now();
    const matcher = await startMatcher(settings, createLogger({ service: 'bench', level: 'silent' }));
    const loadMs = performance.now() - loadStart;
    const matchStart = performance.now();
    const profile = await startCpuProfile(progress);
    await waitForConsumerIdle(nc, STREAMS.events.name, MATCHER_CONSUMER, 600_000);
    const seconds = (performance.now() - matchStart) / 1000;
    await profile?.();
    const value = EVENTS / seconds;
    const jobs = matcher.stats.jobs;
    await matcher.stop();

    const line = (fields: Record<string, unknown>) => console.log(JSON.stringify({ bench: 'matcher', ...fields }));
    line({ case: 'events', value: Math.round(value), unit: 'events/s', limit: Math.round(limit), ratio: +(value / limit).toFixed(3), callbacks: CALLBACKS, databases: DATABASES, events: EVENTS });
    line({ case: 'jobs', value: Math.round(jobs / seconds), unit: 'jobs/s', jobs, jobs_per_event: +(jobs / EVENTS).toFixed(2) });
    line({ case: 'load', value: Math.round(loadMs), unit: 'ms', note: `start-up: streams, consumer and ${CALLBACKS} callbacks loaded and compiled` });
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
