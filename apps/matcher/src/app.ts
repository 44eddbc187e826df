import { hostname } from 'node:os';
import { credentials } from '@grpc/grpc-js';
import type { Logger } from '@callbacks/logger';
import { STREAMS, SUBJECTS, SUBJECT_TEMPLATES, connectNats, ensureConsumer, ensureStream } from '@callbacks/messaging';
import { CallbackChange } from '@callbacks/proto/callbacks/v1/callback_change';
import { NatsTracing, disabledTelemetry, grpcClientInterceptor, serveMetrics, type Telemetry } from '@callbacks/telemetry';
import { CallbackIndex } from './callbacks/callback-index';
import { CallbackSync } from './callbacks/callback-sync';
import type { MatcherSettings } from './config';
import { EventConsumer, MATCHER_CONSUMER } from './events/event-consumer';
import { EventHandler, type HandlerStats } from './events/event-handler';
import { ConfigServiceCallbackSource } from './grpc/config-service-client';
import { registerMatcherMetrics } from './metrics';

export interface RunningMatcher {
  index: CallbackIndex;
  stats: HandlerStats;
  stop(): Promise<void>;
  /** Resolves if its durable consumer stops delivering on its own (deleted with its stream, say). */
  failed: Promise<Error>;
}

const ms = (n: number) => n * 1_000_000;

/** Wires a matcher from validated settings and starts it. */
export async function startMatcher(settings: MatcherSettings, log: Logger, telemetry: Telemetry = disabledTelemetry('matcher')): Promise<RunningMatcher> {
  const instance = `${hostname()}:${process.pid}`;
  const tracing = new NatsTracing(telemetry);
  const nc = await connectNats({ servers: settings.natsServers, name: `matcher ${instance}` });

  // The streams and the consumer this service owns (idempotent; every instance does it).
  await ensureStream(nc, 'events', {
    replicas: settings.eventsReplicas,
    maxAgeMs: settings.eventsMaxAgeMs,
    duplicateWindowMs: settings.eventsDuplicateWindowMs,
  });
  await ensureStream(nc, 'deliveries', {
    replicas: settings.deliveriesReplicas,
    maxAgeMs: settings.deliveriesMaxAgeMs,
    duplicateWindowMs: settings.deliveriesDuplicateWindowMs,
  });
  await ensureStream(nc, 'deadLetters', {
    replicas: settings.eventsReplicas,
    maxAgeMs: settings.deadLettersMaxAgeMs,
    duplicateWindowMs: settings.eventsDuplicateWindowMs,
  });
  await ensureConsumer(nc, 'events', {
    durable_name: MATCHER_CONSUMER,
    filter_subject: SUBJECTS.allEvents,
    ack_wait: ms(settings.ackWaitMs),
    max_ack_pending: settings.maxAckPending,
    max_deliver: -1,
  });

  const index = new CallbackIndex((callback, problems) =>
    log.error({ callback_id: callback.id, revision: callback.revision, problems }, 'callback condition does not compile; it matches nothing'),
  );
  // TLS to the config service when asked for, or given the CA that issued its certificate.
  const channel = settings.configServiceTls || settings.configServiceCa !== undefined ? credentials.createSsl(settings.configServiceCa === undefined ? null : Buffer.from(settings.configServiceCa)) : credentials.createInsecure();
  const source = new ConfigServiceCallbackSource(settings.configServiceAddr, channel, settings.configServiceToken, [grpcClientInterceptor(telemetry)]);
  const sync = new CallbackSync(index, source, log, settings.resyncIntervalMs);
  const handler = new EventHandler(nc, index, log, instance, tracing, () => sync.waitForCurrent());
  registerMatcherMetrics(telemetry, handler.stats, index, sync);
  // Served before the first snapshot, which waits for the config service as long as it takes.
  const metrics = await serveMetrics(telemetry, { address: settings.metricsAddr, log, nc, consumers: [{ stream: STREAMS.events.name, consumer: MATCHER_CONSUMER }] });

  // Subscribe before the first snapshot so that no change slips between the two.
  const changes = nc.subscribe(SUBJECTS.allCallbackChanges, {
    callback: (error, msg) => {
      if (error) return log.warn({ err: error }, 'change notice subscription error');
      const trace = tracing.consume(msg, SUBJECT_TEMPLATES.callbackChanges);
      trace.run(() => {
        try {
          sync.apply(CallbackChange.decode(msg.data));
        } catch (decodeError) {
          trace.end(decodeError);
          log.warn({ err: decodeError, subject: msg.subject }, 'ignoring an undecodable change notice');
        }
      });
      trace.end();
    },
  });
  // Notices sent while we were disconnected are lost: matching waits, and resyncs, on every reconnect.
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect') sync.noticesAtRisk();
      if (status.type === 'reconnect') {
        sync.catchUp().catch((error: unknown) => log.warn({ err: error }, 'resync after reconnect failed; matching continues on the last good snapshot'));
      }
    }
  })();

  await sync.start();

  const consumer = new EventConsumer(nc, handler, log, settings.concurrency);
  await consumer.start();
  metrics.ready();
  log.info({ instance, callbacks: index.size }, 'matcher consuming events');

  return {
    index,
    stats: handler.stats,
    failed: consumer.failed,
    async stop() {
      sync.stop();
      await consumer.stop();
      handler.close();
      changes.unsubscribe();
      source.close();
      await nc.drain().catch((error: unknown) => log.warn({ err: error }, 'NATS drain failed'));
      await metrics.stop();
      log.info(handler.stats, 'matcher stopped');
    },
  };
}
