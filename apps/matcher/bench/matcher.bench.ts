/**
 * npm run bench:matcher — the matcher against its floor, and how its cost grows with its data.
 * Prints JSON lines `{"bench","case","value","unit","limit","ratio"}`: `ratio` is floor/actual
 * where a floor is measured in the same run (1.0 is the floor), and target/actual where the
 * limit is a target (1.0 or more meets it).
 *
 * 1. `event_cpu`: CPU per event of the matcher (a process of its own) and of its floor — bare client
 *    code consuming the same events and publishing the same jobs, acknowledged (bench/floor.ts) —
 *    with BENCH_CALLBACKS callbacks over BENCH_DATABASES databases, ten candidates per event.
 * 2. `fanout`: one database of BENCH_FANOUT callbacks that all match: jobs per second of the
 *    matcher and of the floor publishing the same jobs.
 * 3. `ordered`: BENCH_ORDERED_EVENTS events over 1,000 profiles, one callback matching all, with
 *    one and two matchers: events per second (publish to the last one acknowledged) when the
 *    callback's ordering is per profile, against the same with no ordering (`limit`).
 * 4. `scale_*`: for each of BENCH_SIZES (callbacks/databases), the matcher as its own process:
 *    start-up until it consumes, resident memory per callback (a rule of five conditions each),
 *    and CPU per event, first for events of databases no event has touched (`cold`: the
 *    database's callbacks are decoded then) and again for the same databases (`warm`: the median
 *    of BENCH_WARM_PASSES passes, default 3).
 *
 * Callbacks are written to the CALLBACKS bucket directly, in the config service's format
 * (`encodeCallbackEntry`), rather than through its API: a million through the API would take hours
 * here.
 * To profile the matcher processes, preload a script with NODE_OPTIONS=--require that starts
 * node:inspector's profiler (Node 20 refuses --cpu-prof in NODE_OPTIONS).
 */
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { toEvaluationInput } from '@callbacks/conditions';
import { startNats } from '@callbacks/infra';
import { matchEvent } from '@callbacks/matching';
import {
  AckedPublisher,
  CALLBACKS_BUCKET,
  connectNats,
  encodeCallbackEntry,
  ensureCallbacksBucket,
  ensureStream,
  ProfileEventPublisher,
  STREAMS,
  SUBJECTS,
} from '@callbacks/messaging';
import { ProfileEvent } from '@callbacks/proto/callbacks/events/v1/profile_event';
import { type Callback, Ordering } from '@callbacks/proto/callbacks/v1/callback';
import { buildBundle, countMessages, residentBytes, ServiceProcess, waitForConsumerIdle } from '@callbacks/testing';
import { CallbackIndex } from '../src/callbacks/callback-index';
import { loadMatcherSettings } from '../src/config';
import { MATCHER_CONSUMER } from '../src/events/event-consumer';
import { EventJobs } from '../src/matching/delivery-job';
import { cpuMeter } from './cpu';
import { benchCallback, benchEvent, fiveConditionRule, mixedCondition } from './fixtures';
import { type PreparedJob, runFloor } from './floor';

const CALLBACKS = Number(process.env.BENCH_CALLBACKS ?? 10_000);
const DATABASES = Number(process.env.BENCH_DATABASES ?? 1_000);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);
const FANOUT = Number(process.env.BENCH_FANOUT ?? 1_000);
const FANOUT_EVENTS = Number(process.env.BENCH_FANOUT_EVENTS ?? 50);
const SIZES = (process.env.BENCH_SIZES ?? '10000/1000,100000/10000,1000000/100000')
  .split(',')
  .filter(Boolean)
  .map((size) => size.split('/').map(Number) as [number, number]);
const CURVE_EVENTS = Number(process.env.BENCH_CURVE_EVENTS ?? 10_000);
const WARM_PASSES = Math.max(1, Number(process.env.BENCH_WARM_PASSES ?? 3));
const ORDERED_EVENTS = Number(process.env.BENCH_ORDERED_EVENTS ?? 10_000);
const ORDERED_PROFILES = 1_000;
/** Targets of issue 22: start-up by size, memory per callback, CPU per event from smallest to largest. */
const STARTUP_TARGET_MS: Record<number, number> = { 10_000: 2_000, 100_000: 10_000, 1_000_000: 60_000 };
const MEMORY_TARGET = 2_048;
const FLOOR_TARGET = 1.4;

const progress = (text: string) => console.error(`bench:matcher: ${text}`);
const line = (fields: Record<string, unknown>) => console.log(JSON.stringify({ bench: 'matcher', ...fields }));

const settings = (natsUrl: string) => loadMatcherSettings({ NATS_URL: natsUrl, LOG_LEVEL: 'silent' });

/** Writes `count` callbacks into the bucket as the config service would, 1,024 awaiting the stream at a time. */
async function fillBucket(nc: NatsConnection, count: number, make: (n: number) => Callback): Promise<void> {
  const jsm = await jetstreamManager(nc);
  await jsm.streams.delete(`KV_${CALLBACKS_BUCKET}`).catch(() => false); // absent the first time
  await ensureCallbacksBucket(nc, { replicas: 1 });
  const publisher = new AckedPublisher(nc, { timeoutMs: 60_000 });
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 1_024 }, async () => {
      while (next < count) {
        const n = next++;
        const { subject, value } = encodeCallbackEntry(make(n));
        await publisher.publish(subject, value);
        if ((n + 1) % 200_000 === 0) progress(`  ${n + 1} callbacks in the bucket`);
      }
    }),
  );
  publisher.close();
  progress(`${count} callbacks written in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

/** Empty event and job streams and no matcher consumer: each case starts from nothing. */
async function resetStreams(nc: NatsConnection): Promise<void> {
  const jsm = await jetstreamManager(nc);
  await jsm.consumers.delete(STREAMS.events.name, MATCHER_CONSUMER).catch(() => false);
  await jsm.streams.purge(STREAMS.events.name);
  await jsm.streams.purge(STREAMS.deliveries.name);
  // The ordered jobs' streams exist once a matcher has run.
  await jsm.streams.purge(STREAMS.ordered.name).catch(() => false);
  await jsm.streams.purge(STREAMS.turns.name).catch(() => false);
}

/**
 * Events per second through `matchers` matcher processes, all events matching one callback with
 * `ordering`, spread over ORDERED_PROFILES profiles: from the first publish until the consumer
 * has none left, after an untimed warm-up.
 */
async function orderedRun(nc: NatsConnection, natsUrl: string, ordering: Ordering, matchers: number): Promise<number> {
  await fillBucket(nc, 1, () => ({ ...benchCallback(0, 1, undefined), ordering }));
  await resetStreams(nc);
  const processes = Array.from({ length: matchers }, () => matcherProcess(natsUrl));
  await Promise.all(processes.map((p) => p.start(600_000)));
  const events = (count: number) =>
    Array.from({ length: count }, (_, n) => ({ ...benchEvent(n, 0), profileId: `p${n % ORDERED_PROFILES}` }));
  try {
    await publishEvents(nc, events(1_000));
    await waitForConsumerIdle(nc, STREAMS.events.name, MATCHER_CONSUMER, 600_000);
    const started = performance.now();
    await publishEvents(nc, events(ORDERED_EVENTS));
    await waitForConsumerIdle(nc, STREAMS.events.name, MATCHER_CONSUMER, 600_000);
    const seconds = (performance.now() - started) / 1000;
    const [stream, subjects] =
      ordering === Ordering.PER_PROFILE
        ? [STREAMS.ordered.name, SUBJECTS.allOrderedJobs]
        : [STREAMS.deliveries.name, SUBJECTS.allDeliveryJobs];
    const jobs = await countMessages(nc, stream, subjects);
    if (jobs !== 1_000 + ORDERED_EVENTS) throw new Error(`${jobs} jobs for ${1_000 + ORDERED_EVENTS} events`);
    return ORDERED_EVENTS / seconds;
  } finally {
    await Promise.all(processes.map((p) => p.stop()));
  }
}

/** Publishes the events, 500 awaiting the stream at a time; the map is by stream sequence. */
async function publishEvents(nc: NatsConnection, events: readonly ProfileEvent[]): Promise<Map<number, ProfileEvent>> {
  const publisher = new ProfileEventPublisher(nc);
  const bySeq = new Map<number, ProfileEvent>();
  for (let i = 0; i < events.length; i += 500) {
    const batch = events.slice(i, i + 500);
    const acks = await Promise.all(batch.map((event) => publisher.publish(event)));
    acks.forEach((ack, j) => bySeq.set(ack.seq, batch[j]!));
  }
  return bySeq;
}

/** The jobs the matcher makes for each event, made with its own code, for the floor to publish. */
function prepareJobs(callbacks: readonly Callback[], events: Map<number, ProfileEvent>) {
  const index = new CallbackIndex();
  for (const callback of callbacks) index.put(callback);
  const jobsBySeq = new Map<number, PreparedJob[]>();
  let count = 0;
  for (const [seq, event] of events) {
    const candidates = index.candidates(event.accountId, event.databaseId, event.collectionId);
    const jobs = new EventJobs(event, ProfileEvent.encode(event).finish(), new Date());
    const prepared = matchEvent(event, toEvaluationInput(event), candidates).map(({ callback, skipped }) => {
      const { deliveryId, data } = jobs.job(callback, skipped);
      // An id of the same length that is not the matcher's, so that neither run's jobs are the other's duplicates.
      return {
        subject: SUBJECTS.deliveryJob(callback.accountId, callback.id),
        data,
        msgId: `fl${deliveryId.slice(2)}`,
      };
    });
    count += prepared.length;
    jobsBySeq.set(seq, prepared);
  }
  return { jobsBySeq, count };
}

interface Phase {
  seconds: number;
  cpu: { service: number | null; nats: number | null };
}

/**
 * The matcher as its own process (its CPU and memory read from /proc), run from its bundle as the
 * image runs it (built at the start of the bench), consuming from the stream's start.
 */
function matcherProcess(natsUrl: string): ServiceProcess {
  return new ServiceProcess(
    'matcher',
    { NATS_URL: natsUrl, LOG_LEVEL: 'info' },
    /matcher consuming events/,
    // A matcher that fails says why here, rather than leaving the bench waiting for it.
    (output) => {
      if (/"level":"(error|fatal)"/.test(output)) progress(`matcher: ${output}`);
    },
    {
      bundle: true,
    },
  );
}

/**
 * The matcher (a process of its own), then the floor (in this process), on the same callbacks and
 * events. Both first handle `warmUp` (untimed: every database's callbacks decoded and compiled,
 * the code compiled by V8), then the measured events.
 */
async function matcherThenFloor(
  nc: NatsConnection,
  natsUrl: string,
  natsPid: number | undefined,
  callbacks: readonly Callback[],
  warmUp: readonly ProfileEvent[],
  events: readonly ProfileEvent[],
): Promise<{ floor: Phase; matcher: Phase; jobs: number }> {
  await fillBucket(nc, callbacks.length, (n) => callbacks[n]!);
  await resetStreams(nc);
  const matcher = matcherProcess(natsUrl);
  await matcher.start(600_000);
  let warmSeqs: Map<number, ProfileEvent>;
  let bySeq: Map<number, ProfileEvent>;
  let phase: Phase;
  try {
    progress(`the matcher: ${warmUp.length} events to warm up, then ${events.length}...`);
    warmSeqs = await publishEvents(nc, warmUp);
    await waitForConsumerIdle(nc, STREAMS.events.name, MATCHER_CONSUMER, 600_000);
    const cpu = cpuMeter(natsPid, matcher.pid);
    const started = performance.now();
    bySeq = await publishEvents(nc, events);
    await waitForConsumerIdle(nc, STREAMS.events.name, MATCHER_CONSUMER, 600_000);
    phase = { seconds: (performance.now() - started) / 1000, cpu: cpu.perItem(events.length) };
  } finally {
    await matcher.stop();
  }
  const warm = prepareJobs(callbacks, warmSeqs);
  const { jobsBySeq, count } = prepareJobs(callbacks, bySeq);
  const matcherJobs = await countMessages(nc, STREAMS.deliveries.name, SUBJECTS.allDeliveryJobs);
  if (matcherJobs !== warm.count + count)
    throw new Error(`the matcher made ${matcherJobs} jobs, the floor would make ${warm.count + count}`);
  await (await jetstreamManager(nc)).streams.purge(STREAMS.deliveries.name);

  progress(`the floor: ${warmUp.length} events to warm up, then ${events.length} with ${count} jobs...`);
  const concurrency = settings(natsUrl).concurrency;
  await runFloor(nc, 'floor-warm-up', warm.jobsBySeq, concurrency, {
    firstSeq: Math.min(...warmSeqs.keys()),
    count: warmUp.length,
  });
  const cpu = cpuMeter(natsPid);
  const started = performance.now();
  await runFloor(nc, 'floor', jobsBySeq, concurrency, { firstSeq: Math.min(...bySeq.keys()), count: events.length });
  const floor = { seconds: (performance.now() - started) / 1000, cpu: cpu.perItem(events.length) };
  return { floor, matcher: phase, jobs: count };
}

/** One size of the scale curve, the matcher as its own process. */
async function scalePoint(
  nc: NatsConnection,
  natsUrl: string,
  natsPid: number | undefined,
  callbacks: number,
  databases: number,
  baselineRss: number,
) {
  progress(`scale: ${callbacks} callbacks over ${databases} databases...`);
  await fillBucket(nc, callbacks, (n) =>
    benchCallback(n, databases, fiveConditionRule(n, Math.floor(n / databases) % 10)),
  );
  await resetStreams(nc);
  const matcher = matcherProcess(natsUrl);
  const started = performance.now();
  await matcher.start(600_000);
  const startupMs = performance.now() - started;
  try {
    const loaded = JSON.parse(await matcher.waitFor(/callbacks loaded from the bucket/)) as { ms: number };
    const pid = matcher.pid!;
    const loadedRss = residentBytes(pid);
    const pass = async () => {
      // The first CURVE_EVENTS databases (all of them when fewer), each event with its database's ten callbacks.
      const events = Array.from({ length: CURVE_EVENTS }, (_, n) => benchEvent(n, n % databases));
      const cpu = cpuMeter(natsPid, pid);
      await publishEvents(nc, events);
      await waitForConsumerIdle(nc, STREAMS.events.name, MATCHER_CONSUMER, 600_000);
      return cpu.perItem(events.length);
    };
    const cold = await pass();
    // The median of WARM_PASSES: one pass at a size swung by a quarter with the load beside it.
    const warms = [];
    for (let n = 0; n < WARM_PASSES; n++) warms.push(await pass());
    const warm = warms.sort((a, b) => a.service! - b.service!)[Math.floor(warms.length / 2)]!;
    return {
      callbacks,
      databases,
      startupMs,
      bucketMs: loaded.ms,
      bytesPerCallback: (loadedRss - baselineRss) / callbacks,
      bytesPerCallbackAfterEvents: (residentBytes(pid) - baselineRss) / callbacks,
      cold,
      warm,
    };
  } finally {
    await matcher.stop();
  }
}

/** Resident memory of a matcher process holding an empty bucket (what a callback's bytes are counted above). */
async function baselineRss(nc: NatsConnection, natsUrl: string): Promise<{ rss: number; startupMs: number }> {
  await fillBucket(nc, 0, () => {
    throw new Error('unreachable');
  });
  await resetStreams(nc);
  const matcher = matcherProcess(natsUrl);
  const started = performance.now();
  await matcher.start(60_000);
  const startupMs = performance.now() - started;
  const rss = residentBytes(matcher.pid!);
  await matcher.stop();
  return { rss, startupMs };
}

async function main(): Promise<void> {
  progress('building the matcher bundle...');
  buildBundle('matcher');
  progress('starting nats-server...');
  const nats = await startNats();
  const nc = await connectNats({ servers: [nats.url], name: 'bench' });
  const natsPid = nats.managed?.pid;
  try {
    const s = settings(nats.url);
    const day = 86_400_000;
    await ensureStream(nc, 'events', { replicas: 1, maxAgeMs: day, duplicateWindowMs: 120_000 });
    await ensureStream(nc, 'deliveries', {
      replicas: s.deliveriesReplicas,
      maxAgeMs: s.deliveriesMaxAgeMs,
      duplicateWindowMs: s.deliveriesDuplicateWindowMs,
    });

    // 1. Ten candidates per event, against the floor.
    const mixed = Array.from({ length: CALLBACKS }, (_, n) =>
      benchCallback(n, DATABASES, mixedCondition(Math.floor(n / DATABASES) % 10)),
    );
    const warmUp = Array.from({ length: DATABASES }, (_, n) => benchEvent(n, n));
    const events = Array.from({ length: EVENTS }, (_, n) => benchEvent(n, n % DATABASES));
    const ten = await matcherThenFloor(nc, nats.url, natsPid, mixed, warmUp, events);
    line({
      case: 'event_cpu',
      value: ten.matcher.cpu.service,
      unit: 'µs/event',
      limit: ten.floor.cpu.service,
      ratio: +(ten.floor.cpu.service! / ten.matcher.cpu.service!).toFixed(3),
      target_ratio: +(1 / FLOOR_TARGET).toFixed(3),
      nats_server: { matcher: ten.matcher.cpu.nats, floor: ten.floor.cpu.nats },
      events_per_s: {
        matcher: Math.round(EVENTS / ten.matcher.seconds),
        floor: Math.round(EVENTS / ten.floor.seconds),
      },
      jobs_per_event: +(ten.jobs / EVENTS).toFixed(2),
      callbacks: CALLBACKS,
      databases: DATABASES,
      events: EVENTS,
      note: 'CPU per event of the matcher process and of the floor: consume, the same jobs published and acknowledged, ack',
    });

    // 2. Fan-out: one database whose callbacks all match.
    const fanout = Array.from({ length: FANOUT }, (_, n) => benchCallback(n, 1, undefined));
    const fanoutEvents = (count: number) => Array.from({ length: count }, (_, n) => benchEvent(n, 0));
    const wide = await matcherThenFloor(nc, nats.url, natsPid, fanout, fanoutEvents(5), fanoutEvents(FANOUT_EVENTS));
    const jobsPerS = wide.jobs / wide.matcher.seconds;
    const floorJobsPerS = wide.jobs / wide.floor.seconds;
    line({
      case: 'fanout',
      value: Math.round(jobsPerS),
      unit: 'jobs/s',
      limit: Math.round(floorJobsPerS),
      ratio: +(jobsPerS / floorJobsPerS).toFixed(3),
      cpu_per_job: {
        matcher: +(wide.matcher.cpu.service! / FANOUT).toFixed(2),
        floor: +(wide.floor.cpu.service! / FANOUT).toFixed(2),
      },
      callbacks: FANOUT,
      events: FANOUT_EVENTS,
      jobs: wide.jobs,
    });

    // 3. Per-profile ordering, one and two matchers.
    for (const matchers of ORDERED_EVENTS > 0 ? [1, 2] : []) {
      progress(`ordered: ${ORDERED_EVENTS} events, ${matchers} matcher(s), unordered then ordered...`);
      const unordered = await orderedRun(nc, nats.url, Ordering.NONE, matchers);
      const ordered = await orderedRun(nc, nats.url, Ordering.PER_PROFILE, matchers);
      line({
        case: 'ordered',
        value: Math.round(ordered),
        unit: 'events/s',
        limit: Math.round(unordered),
        ratio: +(ordered / unordered).toFixed(3),
        matchers,
        events: ORDERED_EVENTS,
        profiles: ORDERED_PROFILES,
        note: 'one callback matching every event, per-profile ordering against none (limit), publish to the last acknowledgement',
      });
    }

    // 4. Scale curves.
    const baseline = await baselineRss(nc, nats.url);
    line({
      case: 'scale_baseline',
      value: Math.round(baseline.rss / 1024),
      unit: 'KiB',
      startup_ms: Math.round(baseline.startupMs),
      note: 'a matcher process with an empty bucket',
    });
    const points = [];
    for (const [callbacks, databases] of SIZES) {
      const point = await scalePoint(nc, nats.url, natsPid, callbacks, databases, baseline.rss);
      points.push(point);
      const target = STARTUP_TARGET_MS[callbacks];
      line({
        case: 'scale_startup',
        value: Math.round(point.startupMs),
        unit: 'ms',
        limit: target ?? null,
        ratio: target ? +(target / point.startupMs).toFixed(3) : null,
        bucket_ms: point.bucketMs,
        callbacks,
        databases,
        note: 'process start until it consumes; bucket_ms: the bucket read into the index',
      });
      line({
        case: 'scale_memory',
        value: Math.round(point.bytesPerCallback),
        unit: 'B/callback',
        limit: MEMORY_TARGET,
        ratio: +(MEMORY_TARGET / point.bytesPerCallback).toFixed(3),
        after_events: Math.round(point.bytesPerCallbackAfterEvents),
        decoded: Math.min(CURVE_EVENTS, databases) * (callbacks / databases),
        callbacks,
        databases,
        note: 'resident memory above an empty matcher, per callback (a rule of five conditions each), once started; after_events: once the decoded ones were matched',
      });
      line({
        case: 'scale_event_cpu',
        value: point.warm.service,
        unit: 'µs/event',
        cold: point.cold.service,
        nats_server: point.warm.nats,
        callbacks,
        databases,
        note: 'matcher process CPU per event, ten candidates each; cold: the first event of each database decodes its callbacks',
      });
    }
    const [smallest, largest] = [points[0], points.at(-1)];
    if (smallest && largest && smallest !== largest) {
      const growth = largest.warm.service! / smallest.warm.service!;
      line({
        case: 'scale_event_cpu_growth',
        value: +growth.toFixed(3),
        unit: 'x',
        limit: 1.1,
        ratio: +(1.1 / growth).toFixed(3),
        note: `warm CPU per event at ${largest.callbacks} callbacks over that at ${smallest.callbacks}`,
      });
    }
  } finally {
    await nc.close();
    await nats.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error('bench:matcher failed:', error);
    process.exit(1);
  },
);
