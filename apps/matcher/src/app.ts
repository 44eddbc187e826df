import { hostname } from 'node:os';
import type { Logger } from '@callbacks/logger';
import { connectNats, ensureConsumer, ensureStreams, nanos, STREAMS, SUBJECTS } from '@callbacks/messaging';
import { disabledTelemetry, NatsTracing, serveMetrics, type Telemetry } from '@callbacks/telemetry';
import { BucketFollower } from './callbacks/bucket-follower';
import { CallbackIndex } from './callbacks/callback-index';
import type { MatcherSettings } from './config';
import { ackFloorReader, EventConsumer, MATCHER_CONSUMER } from './events/event-consumer';
import { EventHandler, type HandlerStats } from './events/event-handler';
import { HeldEvents } from './events/held-events';
import { registerMatcherMetrics } from './metrics';
import { OrderedLines } from './ordering/ordered-lines';

export interface RunningMatcher {
  index: CallbackIndex;
  stats: HandlerStats;
  stop(): Promise<void>;
  /** Resolves if its durable consumer stops delivering on its own (deleted with its stream, say). */
  failed: Promise<Error>;
}

/** Wires a matcher from validated settings and starts it. */
export async function startMatcher(
  settings: MatcherSettings,
  log: Logger,
  telemetry: Telemetry = disabledTelemetry('matcher'),
): Promise<RunningMatcher> {
  const instance = `${hostname()}:${process.pid}`;
  const tracing = new NatsTracing(telemetry);
  const nc = await connectNats({ servers: settings.natsServers, name: `matcher ${instance}` });

  // The streams it uses (idempotent; every instance does it) and the consumer it owns.
  await ensureStreams(nc, 'matcher', settings, ['events', 'deliveries', 'ordered', 'turns', 'deadLetters'], (message) =>
    log.warn(message),
  );
  await ensureConsumer(nc, 'events', {
    durable_name: MATCHER_CONSUMER,
    filter_subject: SUBJECTS.allEvents,
    ack_wait: nanos(settings.ackWaitMs),
    max_ack_pending: settings.maxAckPending,
    max_deliver: -1,
  });

  const index = new CallbackIndex((invalid) =>
    invalid.kind === 'undecodable'
      ? log.error({ err: invalid.error, key: invalid.key }, 'undecodable callback in the bucket; it matches nothing')
      : log.error(
          { callback_id: invalid.callback.id, revision: invalid.callback.revision, problems: invalid.problems },
          'callback condition does not compile; it matches nothing',
        ),
  );
  const follower = new BucketFollower(index, log);
  const held = new HeldEvents(nc, instance, log);
  const lines = new OrderedLines(ackFloorReader(nc), log, (seq, hashes) => held.announce(seq, hashes));
  held.listen((seq, hashes) => lines.heldElsewhere(seq, hashes));
  const handler = new EventHandler(nc, index, lines, log, instance, tracing, { ackWaitMs: settings.ackWaitMs });
  registerMatcherMetrics(telemetry, handler.stats, index, follower, lines);
  // Served before the callbacks are loaded, which waits for the config service's bucket as long as it takes.
  const metrics = await serveMetrics(telemetry, {
    address: settings.metricsAddr,
    log,
    nc,
    consumers: [{ stream: STREAMS.events.name, consumer: MATCHER_CONSUMER }],
  });
  await follower.start(nc);

  const consumer = new EventConsumer(nc, handler, log, settings.concurrency);
  await consumer.start();
  metrics.ready();
  log.info({ instance, callbacks: index.size }, 'matcher consuming events');

  return {
    index,
    stats: handler.stats,
    failed: Promise.race([consumer.failed, follower.ended]),
    async stop() {
      await consumer.stop();
      follower.stop();
      handler.close();
      held.close();
      await nc.drain().catch((error: unknown) => log.warn({ err: error }, 'NATS drain failed'));
      await metrics.stop();
      log.info(handler.stats, 'matcher stopped');
    },
  };
}
