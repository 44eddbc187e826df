import { prepareDeliveryRequest } from '@callbacks/delivery';
import { AckedPublisher, type NatsConnection, publishAttemptResult } from '@callbacks/messaging';
import { DeliveryHttpClient } from '@callbacks/outbound-http';
import {
  AttemptResult,
  type CallbackTarget,
  DeliveryJob,
  Outcome,
} from '@callbacks/proto/callbacks/delivery/v1/delivery_job';
import { encodeMessage } from '@callbacks/proto/encode';
import { disabledTelemetry, NatsTracing } from '@callbacks/telemetry';
import type { DispatcherSettings } from '../src/config';
import type { AttemptOutcome } from '../src/delivery/attempt';
import { performAttempt } from '../src/delivery/attempt';
import { attemptResult } from '../src/delivery/deliverer';
import { decodeJob, type ReadyJob } from '../src/delivery/job';
import { job } from '../test/harness';
import { consumeJobs } from './floor';

/**
 * The dispatcher's own steps on each job, in the floor's loop (bench/floor.ts): the job decoded,
 * its body rendered and signed, sent through the delivery HTTP client (SSRF guard, timeout,
 * excerpt), its result built and published through a coalescing publisher, the job acknowledged.
 * What the dispatcher does besides (per-endpoint queues, limits, breaker, deferrals, keeping jobs
 * alive, metrics) is left out: this run against the floor prices the steps, and the dispatcher
 * against this run prices the rest.
 */
export async function runSteps(
  nc: NatsConnection,
  settings: DispatcherSettings,
  options: { concurrency: number; firstSeq: number; count: number },
): Promise<void> {
  const http = new DeliveryHttpClient({
    policy: settings.addressPolicy,
    dnsServers: settings.dnsServers,
    connectTimeoutMs: settings.connectTimeoutMs,
    excerptBytes: settings.excerptBytes,
  });
  const publisher = new AckedPublisher(nc, { coalesce: true });
  const tracing = new NatsTracing(disabledTelemetry('dispatcher-steps'));
  try {
    await consumeJobs(nc, 'steps', options, async (msg) => {
      const trace = tracing.consume(msg, 'job', 'steps');
      const decoded = decodeJob(msg.data);
      if (!decoded.ok) throw new Error(decoded.reason);
      const { job } = decoded;
      const outcome = await performAttempt(job, settings.timeoutMs, {
        http,
        keyRing: settings.keyRing,
        platformKeys: settings.platformKeys,
        traceRequest: (url) => trace.request(url),
      });
      if (outcome.verdict !== 'succeeded') throw new Error(`a step run's delivery failed: ${outcome.errorMessage}`);
      await publishAttemptResult(publisher, trace, attemptResult(job, Date.now(), Outcome.SUCCEEDED, outcome));
      msg.ack();
    });
  } finally {
    publisher.close();
    await http.close();
  }
}

/**
 * CPU µs of each of the dispatcher's steps on its own, in a hot loop over jobs to `target`:
 * decoding a job, rendering and signing its request, building and encoding its result.
 */
export function timeSteps(
  target: CallbackTarget,
  settings: DispatcherSettings,
  iterations = 20_000,
): { decode: number; request: number; result: number } {
  const encoded = Array.from({ length: 500 }, () => DeliveryJob.encode(job(target)).finish());
  const jobs = encoded.map((bytes) => {
    const decoded = decodeJob(bytes);
    if (!decoded.ok) throw new Error(decoded.reason);
    return decoded.job;
  });
  const outcome: AttemptOutcome = {
    verdict: 'succeeded',
    startedAt: new Date(),
    durationMs: 2,
    statusCode: 200,
    errorClass: '',
    errorMessage: '',
    excerpt: 'ok',
    retryAfterMs: undefined,
    unhealthy: false,
  };
  // The least of three timings after a warm-up: a single one now and then came out three times
  // slower (a collection or a recompilation landing in it).
  const time = (step: (i: number) => unknown) => {
    for (let i = 0; i < iterations / 5; i++) step(i);
    const timings = [0, 1, 2].map(() => {
      const before = process.cpuUsage();
      for (let i = 0; i < iterations; i++) step(i);
      const cpu = process.cpuUsage(before);
      return (cpu.user + cpu.system) / iterations;
    });
    return +Math.min(...timings).toFixed(2);
  };
  const at = (i: number): ReadyJob => jobs[i % jobs.length]!;
  return {
    decode: time((i) => decodeJob(encoded[i % encoded.length]!)),
    request: time((i) =>
      prepareDeliveryRequest(at(i), { keyRing: settings.keyRing, platformKeys: settings.platformKeys }),
    ),
    result: time((i) => encodeMessage(AttemptResult, attemptResult(at(i), Date.now(), Outcome.SUCCEEDED, outcome))),
  };
}
