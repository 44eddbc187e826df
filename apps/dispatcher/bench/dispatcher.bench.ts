/**
 * npm run bench:dispatcher — signed deliveries per second to a local receiver, against two
 * limits measured in the same run: (a) the raw RSA-SHA256 signing rate of the same key size on
 * the same amount of data, measured just before and just after the deliveries (their mean, so
 * that load beside the bench drifting during the run moves limit and figure alike), (b) the raw
 * undici POST rate to the same receiver with the same concurrency. Then the same deliveries with
 * one endpoint (another origin) hanging next to them, its jobs among theirs. Prints JSON lines.
 *
 * `rsa_cpu`: CPU per delivery of the dispatcher (this process) against its floor in the same
 * round (bench/floor.ts): bare client code consuming the same jobs, signing with the same RSA key,
 * POSTing once, publishing a result acknowledged by the stream and acking; `ratio` floor/actual.
 *
 * A warm-up round (untimed) comes first, for the dispatcher and for the raw POST loop alike:
 * a fresh process spends its first second compiling, which is not a rate of either; without it
 * the hanging case was also compared against a colder baseline than its own. Then BENCH_ROUNDS
 * rounds (default 3) of signing limit, deliveries, signing limit, deliveries next to the hanging
 * endpoint (which of the two goes first alternates): each ratio is taken within its round and the
 * lines give the median round, with every round's ratio beside it (single runs of one phase
 * each swung ±15 % on a shared machine).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { jetstreamManager } from '@nats-io/jetstream';
import { buildPayload, renderBody } from '@callbacks/delivery';
import { STREAMS, SUBJECTS } from '@callbacks/messaging';
import { DeliveryJob } from '@callbacks/proto/callbacks/delivery/v1/delivery_job';
import { countMessages, rawPostRate, rawSignRate, sampleEvent, startCpuProfile } from '@callbacks/testing';
import { job, publishJob, startInProcessDispatcher, startWorld, target } from '../test/harness';
import { runRsaFloor } from './floor';

const DELIVERIES = Number(process.env.BENCH_DELIVERIES ?? 5_000);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 1_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
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
    const healthy = target(`http://127.0.0.1:${receiver.port}/ok`, {
      deliveryPolicy: { maxConcurrency: CONCURRENCY, maxRequestsPerSecond: 0, timeout: undefined },
    });
    const hanging = target(`http://127.0.0.1:${hangingReceiver.port}/hang`);
    /** `count` healthy deliveries; with `hangingEvery`, one job for the hanging endpoint before every that many. */
    const run = async (label: string, count: number, hangingEvery = 0, profiled = false) => {
      const before = await countMessages(world.nc, STREAMS.results.name, SUBJECTS.allAttemptResults);
      progress(
        `${label}: publishing ${count} jobs${hangingEvery ? ` and ${Math.ceil(count / hangingEvery)} for the hanging endpoint among them` : ''}...`,
      );
      for (let i = 0; i < count; i += 500) {
        const batch = Array.from({ length: Math.min(500, count - i) }, (_, k) =>
          hangingEvery && (i + k) % hangingEvery === 0 ? [job(hanging), job(healthy)] : [job(healthy)],
        );
        await Promise.all(batch.flat().map((j) => publishJob(world, j)));
      }
      progress(`${label}: delivering...`);
      const dispatcher = await startInProcessDispatcher(world, {
        DISPATCHER_MAX_HELD: '20000',
        DISPATCHER_MAX_ENDPOINT_CONCURRENCY: String(CONCURRENCY),
      });
      const started = performance.now();
      const cpuBefore = process.cpuUsage();
      const profile = profiled ? await startCpuProfile(progress) : undefined;
      while ((await countMessages(world.nc, STREAMS.results.name, SUBJECTS.allAttemptResults)) - before < count) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const rate = count / ((performance.now() - started) / 1000);
      const cpu = process.cpuUsage(cpuBefore);
      await profile?.();
      const stats = { ...dispatcher.deliverer.stats };
      progress(`${label}: ${Math.round(rate)} deliveries/s ${JSON.stringify(stats)}`);
      await dispatcher.stop();
      // This process is the dispatcher (every thread of it) and the bench's polling.
      return { rate, stats, cpuMsPerDelivery: +((cpu.user + cpu.system) / 1000 / count).toFixed(3) };
    };

    /** The RSA floor on `count` jobs like the healthy ones: CPU ms per delivery of this process. */
    const rsaFloor = async (label: string, count: number) => {
      progress(`${label}: publishing ${count} jobs for the floor...`);
      let firstSeq = 0;
      for (let i = 0; i < count; i += 500) {
        const acks = await Promise.all(
          Array.from({ length: Math.min(500, count - i) }, () => {
            const j = job(healthy);
            return world.publisher.publish(
              SUBJECTS.deliveryJob(j.callback.accountId, j.callback.id),
              DeliveryJob.encode(j).finish(),
              { msgId: j.deliveryId },
            );
          }),
        );
        firstSeq ||= Math.min(...acks.map((a) => a.seq));
      }
      const cpuBefore = process.cpuUsage();
      const started = performance.now();
      await runRsaFloor(world.nc, {
        url: postUrl,
        body,
        privateKeyPem: world.env.TEST_SIGNING_KEY!,
        concurrency: CONCURRENCY,
        firstSeq,
        count,
      });
      const cpu = process.cpuUsage(cpuBefore);
      // The dispatcher's own consumer must not deliver these later.
      await (await jetstreamManager(world.nc)).streams.purge(STREAMS.deliveries.name);
      const rate = count / ((performance.now() - started) / 1000);
      progress(`${label}: ${Math.round(rate)} deliveries/s`);
      return { rate, cpuMsPerDelivery: +((cpu.user + cpu.system) / 1000 / count).toFixed(3) };
    };

    const body = renderBody(1, buildPayload('dl_bench', sampleEvent())).body;
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
      const healthyAlone = () => run(`round ${round}: one healthy endpoint`, DELIVERIES, 0, round === 1);
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
      const floor = await rsaFloor(`round ${round}: the RSA floor`, DELIVERIES);
      const signAfter = rawSignRate(1.5);
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
      });
    }
    const median = <T>(list: T[], by: (item: T) => number): T =>
      [...list].sort((a, b) => by(a) - by(b))[Math.floor(list.length / 2)]!;
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
    const byFloor = median(rounds, (r) => r.floor.cpuMsPerDelivery / r.alone.cpuMsPerDelivery);
    line({
      case: 'rsa_cpu',
      value: +(byFloor.alone.cpuMsPerDelivery * 1000).toFixed(1),
      unit: 'µs/delivery',
      limit: +(byFloor.floor.cpuMsPerDelivery * 1000).toFixed(1),
      ratio: +(byFloor.floor.cpuMsPerDelivery / byFloor.alone.cpuMsPerDelivery).toFixed(3),
      rounds: rounds.map((r) => +(r.floor.cpuMsPerDelivery / r.alone.cpuMsPerDelivery).toFixed(3)),
      target_ratio: +(1 / 1.15).toFixed(3),
      limit_kind: 'CPU of bare code: consume, RSA sign, one raw POST, result published and acknowledged, ack',
    });
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
  } finally {
    receiver.stop();
    hangingReceiver.stop();
    await world.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error('bench:dispatcher failed:', error);
    process.exit(1);
  },
);
