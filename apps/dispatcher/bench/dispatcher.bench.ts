/**
 * npm run bench:dispatcher — signed deliveries per second to a local receiver, against two
 * limits measured in the same run: (a) the raw RSA-SHA256 signing rate of the same key on the
 * same data, (b) the raw undici POST rate to the same receiver with the same concurrency. Then
 * the same deliveries with one endpoint hanging next to them. Prints JSON lines.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { STREAMS, SUBJECTS } from '@callbacks/messaging';
import { buildPayload, renderBody } from '@callbacks/delivery';
import { countMessages, rawPostRate, rawSignRate, sampleEvent, startCpuProfile } from '@callbacks/testing';
import { job, publishJob, startInProcessDispatcher, startWorld, target } from '../test/harness';

const DELIVERIES = Number(process.env.BENCH_DELIVERIES ?? 5_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const progress = (line: string) => console.error(`bench:dispatcher: ${line}`);
const line = (fields: Record<string, unknown>) => console.log(JSON.stringify({ bench: 'dispatcher', ...fields }));

async function startReceiver(): Promise<{ port: number; stop(): void }> {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./receiver.mjs', import.meta.url))], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [chunk] = (await once(child.stdout, 'data')) as [Buffer];
  return { port: Number(chunk.toString().trim()), stop: () => child.kill('SIGTERM') };
}

async function main(): Promise<void> {
  const receiver = await startReceiver();
  const world = await startWorld();
  try {
    progress('measuring the raw signing rate and the raw POST rate...');
    const signLimit = rawSignRate();
    const postLimit = await rawPostRate(`http://127.0.0.1:${receiver.port}/ok`, DELIVERIES, CONCURRENCY, renderBody(1, buildPayload('dl_bench', sampleEvent())).body);

    const healthy = target(`http://127.0.0.1:${receiver.port}/ok`, { deliveryPolicy: { maxConcurrency: CONCURRENCY, maxRequestsPerSecond: 0, timeout: undefined } });
    const run = async (label: string, extra: () => Promise<void>) => {
      const before = await countMessages(world.nc, STREAMS.results.name, SUBJECTS.allAttemptResults);
      progress(`${label}: publishing ${DELIVERIES} jobs...`);
      for (let i = 0; i < DELIVERIES; i += 500) {
        await Promise.all(Array.from({ length: Math.min(500, DELIVERIES - i) }, () => publishJob(world, job(healthy))));
      }
      await extra();
      progress(`${label}: delivering...`);
      const dispatcher = await startInProcessDispatcher(world, { DISPATCHER_MAX_HELD: '20000', DISPATCHER_MAX_ENDPOINT_CONCURRENCY: String(CONCURRENCY) });
      const started = performance.now();
      const profile = label === 'one healthy endpoint' ? await startCpuProfile(progress) : undefined;
      while ((await countMessages(world.nc, STREAMS.results.name, SUBJECTS.allAttemptResults)) - before < DELIVERIES) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const rate = DELIVERIES / ((performance.now() - started) / 1000);
      await profile?.();
      const stats = { ...dispatcher.deliverer.stats };
      progress(`${label}: ${JSON.stringify(stats)}`);
      await dispatcher.stop();
      return { rate, stats };
    };

    const alone = await run('one healthy endpoint', async () => undefined);
    line({ case: 'deliveries', value: Math.round(alone.rate), unit: 'deliveries/s', limit: Math.round(signLimit), ratio: +(alone.rate / signLimit).toFixed(3), limit_kind: 'raw RSA-2048 signing, one core' });
    line({ case: 'deliveries_vs_post', value: Math.round(alone.rate), unit: 'deliveries/s', limit: Math.round(postLimit), ratio: +(alone.rate / postLimit).toFixed(3), limit_kind: `raw undici POST, concurrency ${CONCURRENCY}` });

    const hanging = target(`http://127.0.0.1:${receiver.port}/hang`);
    const withHanging = await run('next to a hanging endpoint', async () => {
      for (let i = 0; i < 500; i++) await publishJob(world, job(hanging));
    });
    line({
      case: 'deliveries_next_to_hanging_endpoint',
      value: Math.round(withHanging.rate),
      unit: 'deliveries/s',
      limit: Math.round(alone.rate),
      ratio: +(withHanging.rate / alone.rate).toFixed(3),
      limit_kind: 'the same deliveries without the hanging endpoint',
    });
  } finally {
    receiver.stop();
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
