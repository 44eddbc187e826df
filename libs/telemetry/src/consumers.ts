import { type ConsumerInfo, type JetStreamManager, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { Counter, type Registry } from 'prom-client';
import { gaugeFrom, type Sample } from './metrics';

/** A durable JetStream consumer a service reads. */
export interface ConsumerRef {
  stream: string;
  consumer: string;
}

const POLL_INTERVAL_MS = 5_000;

/**
 * The backlog of the consumers a service reads (SPEC §9 "consumer lag"), from JetStream consumer
 * info polled every few seconds (never per message), as gauges per stream and consumer.
 */
export function watchConsumers(
  nc: NatsConnection,
  consumers: readonly ConsumerRef[],
  registry: Registry,
  intervalMs = POLL_INTERVAL_MS,
): { stop(): void } {
  const latest = new Map<ConsumerRef, ConsumerInfo>();
  const failures = new Counter({
    name: 'callbacks_consumer_info_failures_total',
    help: 'Polls of JetStream consumer info that failed (the consumer gauges then keep their last values).',
    labelNames: ['stream', 'consumer'],
    registers: [registry],
  });
  const gauge = (name: string, help: string, value: (info: ConsumerInfo) => number) =>
    gaugeFrom(registry, name, help, ['stream', 'consumer'], () =>
      [...latest].map(([ref, info]): Sample => ({
        labels: { stream: ref.stream, consumer: ref.consumer },
        value: value(info),
      })),
    );
  gauge(
    'callbacks_consumer_pending_messages',
    'Messages in the stream the consumer has not yet been handed (its lag).',
    (info) => info.num_pending,
  );
  gauge(
    'callbacks_consumer_ack_pending_messages',
    'Messages handed out and not yet acknowledged.',
    (info) => info.num_ack_pending,
  );
  gauge(
    'callbacks_consumer_redelivered_messages',
    'Messages handed out more than once and not yet acknowledged.',
    (info) => info.num_redelivered,
  );

  let jsm: JetStreamManager | undefined;
  const poll = async () => {
    for (const ref of consumers) {
      try {
        jsm ??= await jetstreamManager(nc);
        latest.set(ref, await jsm.consumers.info(ref.stream, ref.consumer));
      } catch {
        // Counted, not logged: a NATS outage is logged by the service already, and the consumer
        // may not exist yet while the service starts.
        failures.inc({ stream: ref.stream, consumer: ref.consumer });
      }
    }
  };
  let running: Promise<void> | undefined;
  const tick = () => {
    running ??= poll().finally(() => (running = undefined));
  };
  tick();
  const timer = setInterval(tick, intervalMs).unref();
  return { stop: () => clearInterval(timer) };
}
