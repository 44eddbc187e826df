/**
 * npm run bench:e2e — the real services as processes; a load generator publishes profile events
 * at 50, 200 and 1,000 events/s and then as fast as it can; a receiver timestamps arrivals.
 * Prints JSON lines: delivered/s and publish→receipt latency (p50/p95/p99) at each rate, and the
 * limits measured in the same run (raw RSA-2048 signing rate, raw POST rate to the receiver).
 * Each rate also gets a `stages` line: where the latency goes, from the attempt results the
 * dispatcher publishes (publish → matched, matched → attempt started, attempt → receipt).
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { deliveryIdFor } from '@callbacks/domain';
import { SUBJECTS } from '@callbacks/messaging';
import { AttemptResult } from '@callbacks/proto/callbacks/delivery/v1/delivery_job';
import { Action, Origin } from '@callbacks/proto/callbacks/events/v1/profile_event';
import { rawPostRate, rawSignRate, sampleCallback, sampleEvent } from '@callbacks/testing';
import { SteadyLoad } from '../src/load';
import { CountingReceiver } from '../src/receiver';
import { System } from '../src/system';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const RATES = (process.env.BENCH_RATES ?? '50,200,1000').split(',').map(Number);
const MAX_EVENTS = Number(process.env.BENCH_MAX_EVENTS ?? 5_000);
const progress = (line: string) => console.error(`bench:e2e: ${line}`);
const line = (fields: Record<string, unknown>) => console.log(JSON.stringify({ bench: 'e2e', ...fields }));

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** p50 and p99 of a list of milliseconds, rounded to 0.1 ms. */
function spread(values: number[]): { p50_ms: number; p99_ms: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50_ms: +percentile(sorted, 50).toFixed(1), p99_ms: +percentile(sorted, 99).toFixed(1) };
}

/** CPU seconds a process has used (user + system), from /proc; undefined where there is none. */
function cpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    // Fields after the command name (which may hold spaces and parentheses): utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // clock ticks; 100 a second on Linux
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const receiver = await CountingReceiver.start();
  const system = await System.start({ log: progress, env: { DISPATCHER_ENDPOINT_CONCURRENCY: '32', DISPATCHER_MAX_ENDPOINT_CONCURRENCY: '32' } });
  try {
    const signLimit = rawSignRate();
    const postLimit = await rawPostRate(receiver.url('/raw'), 3_000, 32);
    line({ case: 'limits', sign_per_s: Math.round(signLimit), post_per_s: Math.round(postLimit), note: 'raw RSA-2048 signing on one core; raw undici POST to the same receiver, concurrency 32' });

    // When each delivery was matched and its first attempt started, as the dispatcher reports.
    const timings = new Map<string, { matchedAt: number; startedAt: number }>();
    system.nc.subscribe(SUBJECTS.allAttemptResults, {
      callback: (_error, msg) => {
        const result = AttemptResult.decode(msg.data);
        if (result.attempt === 1 && result.matchedAt && result.startedAt) {
          timings.set(result.deliveryId, { matchedAt: result.matchedAt.getTime(), startedAt: result.startedAt.getTime() });
        }
      },
    });

    const callback = await system.createCallback(sampleCallback({ databaseId: 'bench', url: receiver.url('/hook'), actions: [], triggers: [] }));
    const measure = async (label: string, load: SteadyLoad, run: () => Promise<void>) => {
      const before = receiver.arrivals.length;
      const distinctBefore = receiver.distinct.size;
      const started = performance.now();
      await run();
      const expected = load.published.map((e) => deliveryIdFor(e.eventId, callback.id));
      // Every delivery of this phase is new, so the phase is complete when that many more arrived.
      await receiver.waitForDistinct(distinctBefore + expected.length, 120_000);
      const complete = expected.every((id) => receiver.distinct.has(id));
      const seconds = (performance.now() - started) / 1000;
      const byDelivery = new Map(load.published.map((e) => [deliveryIdFor(e.eventId, callback.id), load.sentAt.get(e.eventId)!]));
      const latencies = receiver.arrivals
        .slice(before)
        .filter((a) => byDelivery.has(a.deliveryId))
        .map((a) => a.at - byDelivery.get(a.deliveryId)!)
        .sort((a, b) => a - b);
      const stages = { published_to_matched: [] as number[], matched_to_attempt: [] as number[], attempt_to_receipt: [] as number[] };
      for (const arrival of receiver.arrivals.slice(before)) {
        const sent = byDelivery.get(arrival.deliveryId);
        const timing = timings.get(arrival.deliveryId);
        if (sent === undefined || !timing) continue;
        stages.published_to_matched.push(timing.matchedAt - sent);
        stages.matched_to_attempt.push(timing.startedAt - timing.matchedAt);
        stages.attempt_to_receipt.push(arrival.at - timing.startedAt);
      }
      return { label, events: load.published.length, seconds, complete, latencies, stages };
    };

    for (const rate of RATES) {
      progress(`${rate} events/s for ${SECONDS} s...`);
      const load = new SteadyLoad(system.publisher, () => sampleEvent({ databaseId: 'bench', action: Action.UPDATE, origin: Origin.PUBLISHER }), rate);
      const result = await measure(`rate-${rate}`, load, async () => {
        load.start();
        await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
        await load.stop();
      });
      line({
        case: `rate_${rate}`,
        offered_per_s: rate,
        delivered_per_s: Math.round(result.events / result.seconds),
        p50_ms: +percentile(result.latencies, 50).toFixed(1),
        p95_ms: +percentile(result.latencies, 95).toFixed(1),
        p99_ms: +percentile(result.latencies, 99).toFixed(1),
        events: result.events,
        all_delivered: result.complete,
      });
      line({
        case: `rate_${rate}_stages`,
        published_to_matched: spread(result.stages.published_to_matched),
        matched_to_attempt: spread(result.stages.matched_to_attempt),
        attempt_to_receipt: spread(result.stages.attempt_to_receipt),
        note: 'from the attempt results (ms clock of the services; same machine)',
      });
    }

    // Where the machine's CPU goes during the max phase, per process and per delivery.
    const processes: Record<string, (number | undefined)[]> = {
      dispatcher: system.dispatchers.map((p) => p.pid),
      matcher: system.matchers.map((p) => p.pid),
      config_service: [system.config.pid],
      nats_server: [system.nats.managed?.pid],
      mongodb_wire_server: [system.mongo.managed?.pid],
      load_generator_and_receiver: [process.pid],
    };
    const cpuNow = () => Object.fromEntries(Object.entries(processes).map(([name, pids]) => [name, pids.reduce<number>((sum, pid) => sum + (cpuSeconds(pid) ?? NaN), 0)]));
    const cpuBefore = cpuNow();
    progress(`${MAX_EVENTS} events as fast as they can be published...`);
    const load = new SteadyLoad(system.publisher, () => sampleEvent({ databaseId: 'bench', action: Action.UPDATE, origin: Origin.PUBLISHER }), 100_000);
    const max = await measure('max', load, async () => {
      load.start();
      while (load.sentAt.size < MAX_EVENTS) await new Promise((resolve) => setTimeout(resolve, 5));
      await load.stop();
    });
    const value = max.events / max.seconds;
    line({
      case: 'max',
      value: Math.round(value),
      unit: 'deliveries/s',
      limit: Math.round(signLimit),
      ratio: +(value / signLimit).toFixed(3),
      p99_ms: +percentile(max.latencies, 99).toFixed(1),
      events: max.events,
      all_delivered: max.complete,
    });
    const cpuAfter = cpuNow();
    const perDelivery = Object.fromEntries(Object.keys(processes).map((name) => [name, +((1000 * ((cpuAfter[name] ?? NaN) - (cpuBefore[name] ?? NaN))) / max.events).toFixed(3)]));
    const total = Object.values(perDelivery).reduce((sum, ms) => sum + ms, 0);
    const cores = availableParallelism();
    line({
      case: 'max_cpu',
      ms_per_delivery: { ...perDelivery, total: +total.toFixed(3) },
      cores_busy: +((total * value) / 1000).toFixed(2),
      cores,
      // 0.8 × the signing rate on these cores leaves at most this much CPU per delivery, all processes together.
      budget_ms_per_delivery_at_target: +((1000 * cores) / (0.8 * signLimit)).toFixed(3),
      note: 'CPU time (user + system) of each process during the max phase, divided by its deliveries',
    });
  } finally {
    await system.close();
    await receiver.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error('bench:e2e failed:', error);
    process.exit(1);
  },
);
