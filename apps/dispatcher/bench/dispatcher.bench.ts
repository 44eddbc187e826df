/**
 * npm run bench:dispatcher — BENCH_DELIVERIES (20,000) signed deliveries per phase to a local
 * receiver, their rate against two limits measured in the same run: (a) the raw RSA-SHA256
 * signing rate of the same key size on the same amount of data, measured just before and just
 * after the deliveries (their mean, so that load beside the bench drifting during the run moves
 * limit and figure alike), (b) the raw undici POST rate to the same receiver with the same
 * concurrency. Then the same deliveries with one endpoint (another origin) hanging next to them,
 * its jobs among theirs, and the same deliveries signed with a per-callback HMAC secret
 * (Standard Webhooks v1) against the raw POST rate (issue 20: at least half of it). Prints JSON
 * lines.
 *
 * `rsa_cpu`: CPU per delivery of the dispatcher (this process) against its floor in the same
 * round (bench/floor.ts): bare client code consuming the same jobs, signing with the same RSA key,
 * POSTing once, publishing a result acknowledged by the stream and acking; `ratio` floor/actual.
 * `hmac_cpu`: the same for the HMAC-signed deliveries against a floor signing Standard Webhooks
 * v1; the HMAC line's `floor_ratio` is that floor's own rate against the raw POST rate, the most
 * any dispatcher built on JetStream could reach of it here.
 * `hmac_steps_cpu`: where the dispatcher's CPU above that floor goes. The dispatcher's own steps
 * (bench/steps.ts: decode, render, sign, the delivery HTTP client, the result) run in the floor's
 * loop on the same jobs, against the same floor; `dispatcher_us` beside it is the dispatcher's
 * CPU in that round (the rest is its queues, limits and breaker), and `alone_us` each step timed
 * alone in a hot loop. Every measured phase starts from a collected heap (collectGarbage).
 * BENCH_PROFILE with BENCH_PROFILE_CASE (rsa, hmac, rsa-floor, hmac-floor, hmac-steps) profiles
 * the first round of that phase.
 *
 * A warm-up round (untimed) comes first, for the dispatcher and for the raw POST loop alike:
 * a fresh process spends its first second compiling, which is not a rate of either; without it
 * the hanging case was also compared against a colder baseline than its own. Then BENCH_ROUNDS
 * rounds (default 3) of signing limit, deliveries, signing limit, deliveries next to the hanging
 * endpoint (which of the two goes first alternates): each ratio is taken within its round and the
 * lines give the median round, with every round's ratio beside it (single runs of one phase
 * each swung ±15 % on a shared machine).
 *
 * Per-profile ordering (issue 23), BENCH_ROUNDS rounds of three phases of BENCH_ORDERED_DELIVERIES
 * (5,000) deliveries of one callback over BENCH_PROFILES profiles: unordered, ordered, and ordered while one more
 * profile's first delivery keeps failing (500, retried every second) with BENCH_STUCK (10,000)
 * later ones queued behind it, published before the others (which of the last two goes first
 * alternates). The lines give the median round:
 * ordered against unordered, and the other profiles next to the stuck one against ordered alone.
 * BENCH_ONLY=ordering runs just these; BENCH_ONLY=deliveries all but these.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { jetstreamManager } from '@nats-io/jetstream';
import { buildPayload, renderBody, secretContext } from '@callbacks/delivery';
import { STREAMS, SUBJECTS } from '@callbacks/messaging';
import { type CallbackTarget, DeliveryJob } from '@callbacks/proto/callbacks/delivery/v1/delivery_job';
import { Ordering, SignatureScheme } from '@callbacks/proto/callbacks/v1/callback';
import { loadPlatformKeyRing } from '@callbacks/signature';
import { collectGarbage, rawPostRate, rawSignRate, sampleEvent, startCpuProfile } from '@callbacks/testing';
import { loadDispatcherSettings } from '../src/config';
import { job, publishJob, queueJob, startInProcessDispatcher, startWorld, target, type World } from '../test/harness';
import { type FloorSigning, runFloor } from './floor';
import { runSteps, timeSteps } from './steps';

// Per phase. At 5,000 a phase's fixed costs (a dispatcher's first requests, connections opening)
// weighed about 20 µs a delivery and single rounds swung 0.77–1.11 against their floor; at 20,000
// the rounds of one run agree within a few hundredths.
const DELIVERIES = Number(process.env.BENCH_DELIVERIES ?? 20_000);
const ORDERED_DELIVERIES = Number(process.env.BENCH_ORDERED_DELIVERIES ?? 5_000);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 1_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PROFILES = Number(process.env.BENCH_PROFILES ?? 500);
const STUCK = Number(process.env.BENCH_STUCK ?? 10_000);
const ONLY = process.env.BENCH_ONLY;
/** Which phase's first round BENCH_PROFILE profiles (see above). */
const PROFILED = process.env.BENCH_PROFILE_CASE ?? 'rsa';
const progress = (line: string) => console.error(`bench:dispatcher: ${line}`);
const line = (fields: Record<string, unknown>) => console.log(JSON.stringify({ bench: 'dispatcher', ...fields }));

async function startReceiver(): Promise<{ port: number; stop(): void }> {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./receiver.mjs', import.meta.url))], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [chunk] = (await once(child.stdout, 'data')) as [Buffer];
  return { port: Number(chunk.toString().trim()), stop: () => child.kill('SIGTERM') };
}

async function main(): Promise<void> {
  const receiver = await startReceiver();
  // Another origin: the dispatcher's endpoints are origins, each with its own limits and breaker.
  const hangingReceiver = await startReceiver();
  const world = await startWorld();
  try {
    if (ONLY !== 'ordering') await deliveries(world, receiver, hangingReceiver);
    if (ONLY !== 'deliveries') await ordering(world, receiver);
  } finally {
    receiver.stop();
    hangingReceiver.stop();
    await world.close();
  }
}

async function deliveries(world: World, receiver: { port: number }, hangingReceiver: { port: number }): Promise<void> {
  {
    const healthy = target(`http://127.0.0.1:${receiver.port}/ok`, {
      deliveryPolicy: { maxConcurrency: CONCURRENCY, maxRequestsPerSecond: 0, timeout: undefined },
    });
    const hanging = target(`http://127.0.0.1:${hangingReceiver.port}/hang`);
    // A Standard Webhooks v1 callback to the same receiver, its secret sealed as the config service seals it.
    const platformKeys = loadPlatformKeyRing({ env: world.env });
    if (!platformKeys) throw new Error('the bench world has no platform key ring');
    const hmac = target(healthy.url, { deliveryPolicy: healthy.deliveryPolicy });
    hmac.signatureScheme = SignatureScheme.STANDARD_WEBHOOKS_V1;
    hmac.sealedSecrets = [
      {
        keyId: 'key_bench',
        ...platformKeys.seal(randomBytes(32), secretContext(hmac.id, 'key_bench')),
        createTime: new Date(),
        expireTime: undefined,
        publicKey: Buffer.alloc(0),
      },
    ];
    const jsm = await jetstreamManager(world.nc);
    /** `count` healthy deliveries; with `hangingEvery`, one job for the hanging endpoint before every that many. */
    const run = async (label: string, count: number, hangingEvery = 0, profiled = false, to = healthy) => {
      progress(
        `${label}: publishing ${count} jobs${hangingEvery ? ` and ${Math.ceil(count / hangingEvery)} for the hanging endpoint among them` : ''}...`,
      );
      for (let i = 0; i < count; i += 500) {
        const batch = Array.from({ length: Math.min(500, count - i) }, (_, k) =>
          hangingEvery && (i + k) % hangingEvery === 0 ? [job(hanging), job(to)] : [job(to)],
        );
        await Promise.all(batch.flat().map((j) => publishJob(world, j)));
      }
      progress(`${label}: delivering...`);
      const dispatcher = await startInProcessDispatcher(world, {
        DISPATCHER_MAX_HELD: process.env.BENCH_MAX_HELD ?? '20000',
        DISPATCHER_MAX_ENDPOINT_CONCURRENCY: String(CONCURRENCY),
      });
      collectGarbage();
      const started = performance.now();
      const cpuBefore = process.cpuUsage();
      const profile = profiled ? await startCpuProfile(progress) : undefined;
      // Done once every healthy delivery's result is stored (`succeeded` counts those the stream
      // acknowledged), read from the dispatcher in this process: polling the stream cost the
      // dispatcher's figure a request every 20 ms, 2–5 µs a delivery.
      while (dispatcher.deliverer.stats.succeeded < count) await new Promise((resolve) => setTimeout(resolve, 20));
      const rate = count / ((performance.now() - started) / 1000);
      const cpu = process.cpuUsage(cpuBefore);
      await profile?.();
      const stats = { ...dispatcher.deliverer.stats };
      progress(`${label}: ${Math.round(rate)} deliveries/s ${JSON.stringify(stats)}`);
      await dispatcher.stop();
      // This process is the dispatcher (every thread of it) and the bench's polling.
      return { rate, stats, cpuMsPerDelivery: +((cpu.user + cpu.system) / 1000 / count).toFixed(3) };
    };

    /**
     * Bare loop code on `count` jobs to `to` (the floor, bench/floor.ts, or the dispatcher's own
     * steps, bench/steps.ts), outside the dispatcher: its rate and CPU ms per delivery of this process.
     */
    const bareRun = async (
      label: string,
      count: number,
      to: CallbackTarget,
      consume: (jobs: { firstSeq: number; count: number }) => Promise<void>,
      profiled = false,
    ) => {
      progress(`${label}: publishing ${count} jobs...`);
      let firstSeq = 0;
      for (let i = 0; i < count; i += 500) {
        const acks = await Promise.all(
          Array.from({ length: Math.min(500, count - i) }, () => {
            const j = job(to);
            return world.publisher.publish(
              SUBJECTS.deliveryJob(j.callback.accountId, j.callback.id),
              DeliveryJob.encode(j).finish(),
              { msgId: j.deliveryId },
            );
          }),
        );
        firstSeq ||= Math.min(...acks.map((a) => a.seq));
      }
      collectGarbage();
      const cpuBefore = process.cpuUsage();
      const started = performance.now();
      const profile = profiled ? await startCpuProfile(progress) : undefined;
      await consume({ firstSeq, count });
      const cpu = process.cpuUsage(cpuBefore);
      await profile?.();
      // The dispatcher's own consumer must not deliver these later.
      await jsm.streams.purge(STREAMS.deliveries.name);
      const rate = count / ((performance.now() - started) / 1000);
      progress(`${label}: ${Math.round(rate)} deliveries/s`);
      return { rate, cpuMsPerDelivery: +((cpu.user + cpu.system) / 1000 / count).toFixed(3) };
    };
    const floorRun = (label: string, count: number, signing: FloorSigning, profiled = false) =>
      bareRun(
        label,
        count,
        healthy,
        (jobs) => runFloor(world.nc, { url: postUrl, body, signing, concurrency: CONCURRENCY, ...jobs }),
        profiled,
      );
    const settings = loadDispatcherSettings(world.env);
    // Each step alone, in a hot loop on jobs like the HMAC ones, before anything else runs here.
    const stepsAlone = timeSteps(hmac, settings);
    const stepsRun = (label: string, count: number, profiled = false) =>
      bareRun(
        label,
        count,
        hmac,
        (jobs) => runSteps(world.nc, settings, { concurrency: CONCURRENCY, ...jobs }),
        profiled,
      );

    const body = renderBody(1, buildPayload('dl_bench', sampleEvent())).body;
    const rsaSigning: FloorSigning = { kind: 'rsa', privateKeyPem: world.env.TEST_SIGNING_KEY! };
    const hmacSigning: FloorSigning = { kind: 'hmac', secret: randomBytes(32) };
    const postUrl = `http://127.0.0.1:${receiver.port}/ok`;
    if (WARMUP > 0) {
      await run('warm-up (untimed)', WARMUP);
      await rawPostRate(postUrl, WARMUP, CONCURRENCY, body);
    }
    progress('measuring the raw POST rate...');
    const postLimit = await rawPostRate(postUrl, DELIVERIES, CONCURRENCY, body);
    const rounds = [];
    for (let round = 1; round <= ROUNDS; round++) {
      progress(`round ${round} of ${ROUNDS}: the raw signing rate...`);
      const signBefore = rawSignRate(1.5);
      const healthyAlone = () =>
        run(`round ${round}: one healthy endpoint`, DELIVERIES, 0, round === 1 && PROFILED === 'rsa');
      // Interleaved, so that a dispatcher taking jobs in order meets the hanging endpoint's all along.
      const nextToHanging = () => run(`round ${round}: next to a hanging endpoint`, DELIVERIES, 10);
      // Which goes first alternates, so that neither phase always runs the warmer.
      let alone, withHanging;
      if (round % 2 === 1) {
        alone = await healthyAlone();
        withHanging = await nextToHanging();
      } else {
        withHanging = await nextToHanging();
        alone = await healthyAlone();
      }
      const floor = await floorRun(
        `round ${round}: the RSA floor`,
        DELIVERIES,
        rsaSigning,
        round === 1 && PROFILED === 'rsa-floor',
      );
      const signAfter = rawSignRate(1.5);
      // Its limit is measured around it, in the same round: the raw POST rate swings with the load beside the bench.
      const postBefore = await rawPostRate(postUrl, DELIVERIES, CONCURRENCY, body);
      const hmacSigned = await run(
        `round ${round}: HMAC-signed (Standard Webhooks v1)`,
        DELIVERIES,
        0,
        round === 1 && PROFILED === 'hmac',
        hmac,
      );
      const hmacFloor = await floorRun(
        `round ${round}: the HMAC floor`,
        DELIVERIES,
        hmacSigning,
        round === 1 && PROFILED === 'hmac-floor',
      );
      const hmacSteps = await stepsRun(
        `round ${round}: the dispatcher's steps alone, HMAC`,
        DELIVERIES,
        round === 1 && PROFILED === 'hmac-steps',
      );
      const postAfter = await rawPostRate(postUrl, DELIVERIES, CONCURRENCY, body);
      const hmacPostLimit = (postBefore + postAfter) / 2;
      progress(
        `round ${round}: raw signing rate ${Math.round(signBefore)}/s before the deliveries, ${Math.round(signAfter)}/s after`,
      );
      const signLimit = (signBefore + signAfter) / 2;
      rounds.push({
        floor,
        alone,
        withHanging,
        signLimit,
        signRatio: alone.rate / signLimit,
        hangingRatio: withHanging.rate / alone.rate,
        hmac: hmacSigned,
        hmacPostLimit,
        hmacRatio: hmacSigned.rate / hmacPostLimit,
        hmacFloor,
        hmacSteps,
      });
    }
    const bySigning = median(rounds, (r) => r.signRatio);
    line({
      case: 'deliveries',
      value: Math.round(bySigning.alone.rate),
      unit: 'deliveries/s',
      limit: Math.round(bySigning.signLimit),
      ratio: +bySigning.signRatio.toFixed(3),
      rounds: rounds.map((r) => +r.signRatio.toFixed(3)),
      limit_kind: 'raw RSA-2048 signing, one core',
      cpu_ms_per_delivery: bySigning.alone.cpuMsPerDelivery,
    });
    line({
      case: 'deliveries_vs_post',
      value: Math.round(bySigning.alone.rate),
      unit: 'deliveries/s',
      limit: Math.round(postLimit),
      ratio: +(bySigning.alone.rate / postLimit).toFixed(3),
      limit_kind: `raw undici POST, concurrency ${CONCURRENCY}`,
    });
    /** A CPU line: per delivery, `actual` against `floor` (ms each), the median round and every round's ratio. */
    const cpuLine = <Round>(
      all: Round[],
      name: string,
      pick: (r: Round) => { actual: number; floor: number },
      fields: (middle: Round) => Record<string, unknown>,
    ) => {
      const ratioOf = (r: Round) => pick(r).floor / pick(r).actual;
      const middle = median(all, ratioOf);
      line({
        case: name,
        value: +(pick(middle).actual * 1000).toFixed(1),
        unit: 'µs/delivery',
        limit: +(pick(middle).floor * 1000).toFixed(1),
        ratio: +ratioOf(middle).toFixed(3),
        rounds: all.map((r) => +ratioOf(r).toFixed(3)),
        ...fields(middle),
      });
    };
    cpuLine(
      rounds,
      'rsa_cpu',
      (r) => ({ actual: r.alone.cpuMsPerDelivery, floor: r.floor.cpuMsPerDelivery }),
      () => ({
        target_ratio: +(1 / 1.15).toFixed(3),
        limit_kind: 'CPU of bare code: consume, RSA sign, one raw POST, result published and acknowledged, ack',
      }),
    );
    const byHmac = median(rounds, (r) => r.hmacRatio);
    line({
      case: 'hmac_deliveries_vs_post',
      value: Math.round(byHmac.hmac.rate),
      unit: 'deliveries/s',
      limit: Math.round(byHmac.hmacPostLimit),
      ratio: +byHmac.hmacRatio.toFixed(3),
      rounds: rounds.map((r) => +r.hmacRatio.toFixed(3)),
      limit_kind: `raw undici POST, concurrency ${CONCURRENCY}, just before and after, in the same round`,
      cpu_ms_per_delivery: byHmac.hmac.cpuMsPerDelivery,
      // What the target can be at most: even bare code does not come near raw POSTs once every
      // delivery is also consumed, signed, reported and acknowledged through JetStream.
      floor_ratio: +(byHmac.hmacFloor.rate / byHmac.hmacPostLimit).toFixed(3),
    });
    cpuLine(
      rounds,
      'hmac_cpu',
      (r) => ({ actual: r.hmac.cpuMsPerDelivery, floor: r.hmacFloor.cpuMsPerDelivery }),
      (m) => ({
        floor_rate: Math.round(m.hmacFloor.rate),
        limit_kind: 'CPU of bare code: consume, HMAC sign, one raw POST, result published and acknowledged, ack',
      }),
    );
    cpuLine(
      rounds,
      'hmac_steps_cpu',
      (r) => ({ actual: r.hmacSteps.cpuMsPerDelivery, floor: r.hmacFloor.cpuMsPerDelivery }),
      (m) => ({
        // What the dispatcher spends besides its steps, in the same round: queues, limits, breaker, upkeep.
        dispatcher_us: +(m.hmac.cpuMsPerDelivery * 1000).toFixed(1),
        alone_us: stepsAlone,
        limit_kind:
          "the HMAC floor's CPU; value: the dispatcher's steps (decode, render, sign, HTTP client, result) in the floor's loop",
      }),
    );
    const byHanging = median(rounds, (r) => r.hangingRatio);
    line({
      case: 'deliveries_next_to_hanging_endpoint',
      value: Math.round(byHanging.withHanging.rate),
      unit: 'deliveries/s',
      limit: Math.round(byHanging.alone.rate),
      ratio: +byHanging.hangingRatio.toFixed(3),
      rounds: rounds.map((r) => +r.hangingRatio.toFixed(3)),
      limit_kind: 'the same deliveries without the hanging endpoint, in the same round',
    });
  }
}

const median = <T>(list: T[], by: (item: T) => number): T =>
  [...list].sort((a, b) => by(a) - by(b))[Math.floor(list.length / 2)]!;

async function ordering(world: World, receiver: { port: number }): Promise<void> {
  const url = `http://127.0.0.1:${receiver.port}/ordered`;
  const succeeded = async () => Number(await (await fetch(`http://127.0.0.1:${receiver.port}/count`)).text());
  const jsm = await jetstreamManager(world.nc);
  let sequence = 0;
  /** The deliveries of one callback to BENCH_PROFILES profiles, round-robin; after `stuck` later ones of a failing profile. */
  const run = async (label: string, ordering: Ordering, stuck: number) => {
    const callback = target(url, {
      ordering,
      deliveryPolicy: { maxConcurrency: CONCURRENCY, maxRequestsPerSecond: 0, timeout: undefined },
    });
    const jobFor = (profileId: string) => job(callback, { event: sampleEvent({ profileId }), sequence: ++sequence });
    const publish = async (jobs: ReturnType<typeof jobFor>[]) => {
      for (let i = 0; i < jobs.length; i += 500)
        await Promise.all(jobs.slice(i, i + 500).map((j) => queueJob(world, j)));
    };
    progress(
      `${label}: publishing ${ORDERED_DELIVERIES} jobs${stuck ? ` after ${stuck + 1} for the stuck profile` : ''}...`,
    );
    if (stuck) {
      await queueJob(world, jobFor('stuck'));
      await publish(Array.from({ length: stuck }, () => jobFor('stuck')));
    }
    await publish(Array.from({ length: ORDERED_DELIVERIES }, (_, i) => jobFor(`p${i % PROFILES}`)));
    const before = await succeeded();
    progress(`${label}: delivering...`);
    const dispatcher = await startInProcessDispatcher(world, {
      DISPATCHER_MAX_HELD: '20000',
      DISPATCHER_MAX_ENDPOINT_CONCURRENCY: String(CONCURRENCY),
      // The stuck profile's first delivery keeps retrying, every second, through the whole phase.
      DISPATCHER_RETRY_SCHEDULE: Array.from({ length: 600 }, () => '1s').join(','),
    });
    const started = performance.now();
    while ((await succeeded()) - before < ORDERED_DELIVERIES) await new Promise((resolve) => setTimeout(resolve, 20));
    const rate = ORDERED_DELIVERIES / ((performance.now() - started) / 1000);
    const stats = { ...dispatcher.deliverer.stats };
    progress(`${label}: ${Math.round(rate)} deliveries/s ${JSON.stringify(stats)}`);
    await dispatcher.stop();
    // The stuck line would go on retrying in the next phase's dispatcher.
    await jsm.streams.purge(STREAMS.ordered.name);
    await jsm.streams.purge(STREAMS.turns.name);
    return { rate, retrying: stats.retrying };
  };

  await run('ordering warm-up (untimed)', Ordering.PER_PROFILE, 0);
  const rounds = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const unordered = await run(`ordering round ${round}: unordered`, Ordering.NONE, 0);
    const alone = () => run(`ordering round ${round}: ordered`, Ordering.PER_PROFILE, 0);
    const stuck = () => run(`ordering round ${round}: ordered next to a stuck profile`, Ordering.PER_PROFILE, STUCK);
    // Which of the two goes first alternates, so that neither always runs the warmer.
    let ordered, nextToStuck;
    if (round % 2 === 1) {
      ordered = await alone();
      nextToStuck = await stuck();
    } else {
      nextToStuck = await stuck();
      ordered = await alone();
    }
    rounds.push({ unordered, ordered, nextToStuck });
  }
  const byCost = median(rounds, (r) => r.ordered.rate / r.unordered.rate);
  line({
    case: 'ordered_per_profile',
    value: Math.round(byCost.ordered.rate),
    unit: 'deliveries/s',
    limit: Math.round(byCost.unordered.rate),
    ratio: +(byCost.ordered.rate / byCost.unordered.rate).toFixed(3),
    rounds: rounds.map((r) => +(r.ordered.rate / r.unordered.rate).toFixed(3)),
    limit_kind: `the same deliveries unordered, one callback, ${PROFILES} profiles, in the same round`,
  });
  const byStuck = median(rounds, (r) => r.nextToStuck.rate / r.ordered.rate);
  line({
    case: 'ordered_next_to_stuck_profile',
    value: Math.round(byStuck.nextToStuck.rate),
    unit: 'deliveries/s',
    limit: Math.round(byStuck.ordered.rate),
    ratio: +(byStuck.nextToStuck.rate / byStuck.ordered.rate).toFixed(3),
    rounds: rounds.map((r) => +(r.nextToStuck.rate / r.ordered.rate).toFixed(3)),
    limit_kind: `the other profiles' deliveries without the stuck profile (one failing delivery, ${STUCK} queued behind it), in the same round`,
    stuck_attempts: byStuck.nextToStuck.retrying,
  });
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error('bench:dispatcher failed:', error);
    process.exit(1);
  },
);
