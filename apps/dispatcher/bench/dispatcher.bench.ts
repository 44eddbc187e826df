/**
 * npm run bench:dispatcher — signed deliveries per second to a local receiver, against two
 * limits measured in the same run: (a) the raw RSA-SHA256 signing rate of the same key size on
 * the same amount of data, measured just before and just after the deliveries (their mean, so
 * that load beside the bench drifting during the run moves limit and figure alike), (b) the raw
 * undici POST rate to the same receiver with the same concurrency. Then the same deliveries with
 * one endpoint (another origin) hanging next to them, its jobs among theirs, and the same
 * deliveries signed with a per-callback HMAC secret (Standard Webhooks v1) against the raw POST
 * rate (issue 20: at least half of it). Prints JSON lines.
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
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { buildPayload, renderBody, secretContext } from '@callbacks/delivery';
import { STREAMS, SUBJECTS } from '@callbacks/messaging';
import { SignatureScheme } from '@callbacks/proto/callbacks/v1/callback';
import { loadPlatformKeyRing } from '@callbacks/signature';
import { countMessages, rawPostRate, rawSignRate, sampleEvent, startCpuProfile } from '@callbacks/testing';
import { job, publishJob, startInProcessDispatcher, startWorld, target } from '../test/harness';

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
    /** `count` healthy deliveries; with `hangingEvery`, one job for the hanging endpoint before every that many. */
    const run = async (label: string, count: number, hangingEvery = 0, profiled = false, to = healthy) => {
      const before = await countMessages(world.nc, STREAMS.results.name, SUBJECTS.allAttemptResults);
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
      const signAfter = rawSignRate(1.5);
      // Its limit is measured around it, in the same round: the raw POST rate swings with the load beside the bench.
      const postBefore = await rawPostRate(postUrl, DELIVERIES, CONCURRENCY, body);
      const hmacSigned = await run(`round ${round}: HMAC-signed (Standard Webhooks v1)`, DELIVERIES, 0, false, hmac);
      const postAfter = await rawPostRate(postUrl, DELIVERIES, CONCURRENCY, body);
      const hmacPostLimit = (postBefore + postAfter) / 2;
      progress(
        `round ${round}: raw signing rate ${Math.round(signBefore)}/s before the deliveries, ${Math.round(signAfter)}/s after`,
      );
      const signLimit = (signBefore + signAfter) / 2;
      rounds.push({
        alone,
        withHanging,
        signLimit,
        signRatio: alone.rate / signLimit,
        hangingRatio: withHanging.rate / alone.rate,
        hmac: hmacSigned,
        hmacPostLimit,
        hmacRatio: hmacSigned.rate / hmacPostLimit,
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
