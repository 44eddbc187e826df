import { hostname } from 'node:os';
import type { Logger } from '@callbacks/logger';
import {
  AckedPublisher,
  connectNats,
  ensureConsumer,
  ensureStreams,
  nanos,
  publishAttemptResult,
  scheduleDeliveryJob,
  STREAMS,
  SUBJECTS,
} from '@callbacks/messaging';
import { DeliveryHttpClient } from '@callbacks/outbound-http';
import { Outcome } from '@callbacks/proto/callbacks/delivery/v1/delivery_job';
import { disabledTelemetry, NatsTracing, serveMetrics, type Telemetry } from '@callbacks/telemetry';
import type { DispatcherSettings } from './config';
import { performAttempt } from './delivery/attempt';
import { Deliverer } from './delivery/deliverer';
import { RetryPolicy } from './delivery/retry-policy';
import { DispatcherMetrics } from './metrics';
import { DISPATCHER_CONSUMER, JobConsumer } from './nats/job-consumer';
import { ORDERED_CONSUMER, TurnConsumer } from './nats/turn-consumer';

export interface RunningDispatcher {
  deliverer: Deliverer;
  stop(): Promise<void>;
  /** Resolves if its durable consumer stops delivering on its own (deleted with its stream, say). */
  failed: Promise<Error>;
}

/** Wires a dispatcher from validated settings and starts it. */
export async function startDispatcher(
  settings: DispatcherSettings,
  log: Logger,
  telemetry: Telemetry = disabledTelemetry('dispatcher'),
): Promise<RunningDispatcher> {
  const instance = `${hostname()}:${process.pid}`;
  const nc = await connectNats({ servers: settings.natsServers, name: `dispatcher ${instance}` });

  const longestRetry = Math.max(...settings.retrySchedule);
  if (settings.deliveriesMaxAgeMs <= longestRetry) {
    throw new Error(
      `DELIVERIES_STREAM_MAX_AGE must be longer than the longest retry delay (${longestRetry} ms), or scheduled retries expire`,
    );
  }
  await ensureStreams(nc, 'dispatcher', settings, ['deliveries', 'ordered', 'turns', 'results'], (message) =>
    log.warn(message),
  );
  // The ack wait outlasts the longest attempt (a slow receiver must not cause a duplicate); jobs
  // that wait longer are kept alive with in-progress acks.
  const ackWaitMs = settings.ackWaitMs;
  await ensureConsumer(nc, 'deliveries', {
    durable_name: DISPATCHER_CONSUMER,
    filter_subject: SUBJECTS.allDeliveryJobs,
    ack_wait: nanos(ackWaitMs),
    max_ack_pending: settings.maxAckPending,
    max_deliver: -1,
  });
  await ensureConsumer(nc, 'turns', {
    durable_name: ORDERED_CONSUMER,
    filter_subject: SUBJECTS.allTurns,
    ack_wait: nanos(ackWaitMs),
    max_ack_pending: settings.orderedMaxAckPending,
    max_deliver: -1,
  });

  // Attempt results and retries are published as responses arrive: coalesced into one write per
  // turn of the event loop rather than one per response.
  const publisher = new AckedPublisher(nc, { coalesce: true });
  const http = new DeliveryHttpClient({
    policy: settings.addressPolicy,
    dnsServers: settings.dnsServers,
    connectTimeoutMs: settings.connectTimeoutMs,
    excerptBytes: settings.excerptBytes,
  });
  const metrics = new DispatcherMetrics(telemetry, settings.metricsEndpoints);
  const deliverer = new Deliverer(
    {
      attempt: async (job, timeoutMs, trace) => {
        const outcome = await performAttempt(job, timeoutMs, {
          http,
          keyRing: settings.keyRing,
          platformKeys: settings.platformKeys,
          traceRequest: (url) => trace.request(url),
        });
        metrics.attempted(outcome);
        return outcome;
      },
      schedule: (job, attempt, at, trace) => scheduleDeliveryJob(publisher, trace, job, attempt, at),
      report: (result, trace) => {
        trace.annotate({ 'callbacks.delivery.outcome': Outcome[result.outcome] ?? String(result.outcome) });
        return publishAttemptResult(publisher, trace, result).then(() => undefined);
      },
      log,
    },
    {
      concurrency: settings.concurrency,
      maxConcurrency: settings.maxConcurrency,
      timeoutMs: settings.timeoutMs,
      maxTimeoutMs: settings.maxTimeoutMs,
      queueLimit: settings.queueLimit,
      maxQueueWaitMs: settings.maxQueueWaitMs,
      stallMs: settings.stallMs,
      deferDelayMs: settings.deferDelayMs,
      deferRate: settings.deferRate,
      breaker: {
        threshold: settings.breakerThreshold,
        cooldownMs: settings.breakerCooldownMs,
        maxCooldownMs: settings.breakerMaxCooldownMs,
      },
      retry: new RetryPolicy(settings.retrySchedule, settings.retryJitter, settings.maxRetryAfterMs),
    },
  );
  metrics.watch(deliverer);
  const metricsEndpoint = await serveMetrics(telemetry, {
    address: settings.metricsAddr,
    log,
    nc,
    consumers: [
      { stream: STREAMS.deliveries.name, consumer: DISPATCHER_CONSUMER },
      { stream: STREAMS.turns.name, consumer: ORDERED_CONSUMER },
    ],
  });
  const tracing = new NatsTracing(telemetry);
  const consumer = new JobConsumer(nc, deliverer, log, tracing, {
    ackWaitMs,
    maxHeld: settings.maxHeld,
    batch: 256,
  });
  await consumer.start();
  const turns = new TurnConsumer(nc, deliverer, publisher, log, tracing, {
    maxHeld: settings.maxHeld,
    batch: 64,
    ackWaitMs,
    sweepIntervalMs: settings.orderedSweepIntervalMs,
  });
  await turns.start();
  metricsEndpoint.ready();
  log.info({ instance, signing_key: settings.keyRing.current().keyId }, 'dispatcher consuming delivery jobs');

  return {
    deliverer,
    failed: Promise.race([consumer.failed, turns.failed]),
    async stop() {
      await consumer.stop();
      await turns.stop();
      await deliverer.drain();
      await turns.settled();
      publisher.close();
      await http.close();
      await nc.drain().catch((error: unknown) => log.warn({ err: error }, 'NATS drain failed'));
      await metricsEndpoint.stop();
      log.info(deliverer.stats, 'dispatcher stopped');
    },
  };
}
