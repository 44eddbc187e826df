import { hostname } from 'node:os';
import { MongoClient } from 'mongodb';
import type { Logger } from '@callbacks/logger';
import {
  AckedPublisher,
  bindCallbacksBucket,
  connectNats,
  ensureCallbacksBucket,
  ensureConsumer,
  ensureStreams,
  nanos,
  type NatsConnection,
  STREAMS,
  SUBJECTS,
} from '@callbacks/messaging';
import { DeliveryHttpClient } from '@callbacks/outbound-http';
import {
  disabledTelemetry,
  grpcServerInterceptor,
  NatsTracing,
  serveMetrics,
  type Telemetry,
  traceMongoCommands,
} from '@callbacks/telemetry';
import { callbackApi, type CallbackUseCases } from './api/callback-api';
import { RequestRateLimit } from './api/request-rate-limit';
import { TokenAuthenticator } from './auth/tokens';
import { CallbackSecrets } from './callbacks/callback-secrets';
import { CreateCallback } from './callbacks/create-callback';
import { DeleteCallback } from './callbacks/delete-callback';
import { GetCallback } from './callbacks/get-callback';
import { ListCallbacks } from './callbacks/list-callbacks';
import { BucketPublisher } from './callbacks/publish-change';
import { BucketReconciler, ReconcileBucket, type ReconcileReport } from './callbacks/reconcile-bucket';
import { RevealCallbackSecret } from './callbacks/reveal-callback-secret';
import { RotateCallbackSecret } from './callbacks/rotate-callback-secret';
import { TestCallback } from './callbacks/test-callback';
import { UpdateCallback } from './callbacks/update-callback';
import type { ConfigServiceSettings } from './config';
import { BufferedDeliveryStats } from './deliveries/buffered-stats';
import { EndpointHealth } from './deliveries/endpoint-health';
import { GetDelivery } from './deliveries/get-delivery';
import { GetDeliveryStats } from './deliveries/get-delivery-stats';
import { HeldSuccesses } from './deliveries/held-successes';
import { ListDeliveries } from './deliveries/list-deliveries';
import { RecordAttemptResult } from './deliveries/record-attempt-result';
import { ReplayDeliveries } from './deliveries/replay-deliveries';
import { callbackService } from './grpc/callback-service';
import { setServing, shutdownGrpcServer, startGrpcServer } from './grpc/server';
import { HttpTestSender } from './http/http-test-sender';
import { startHttpApi } from './http-api/server';
import { registerConfigServiceMetrics } from './metrics';
import { ExpiredDeliveriesCleanup } from './mongo/expired-deliveries-cleanup';
import { MongoCallbackRepository } from './mongo/mongo-callback-repository';
import { MongoDeliveryLog } from './mongo/mongo-delivery-log';
import { MongoDeliveryStats } from './mongo/mongo-delivery-stats';
import { MongoEndpointHealth } from './mongo/mongo-endpoint-health';
import { AttemptResultConsumer, DELIVERY_LOG_CONSUMER, type DeliveryLogStats } from './nats/attempt-result-consumer';
import { NatsCallbackBucket } from './nats/nats-callback-bucket';
import { NatsDeliveryJobPublisher } from './nats/nats-delivery-job-publisher';
import { NatsRoundLease } from './nats/reconcile-lease';
import { retryUntilDone } from './startup';

export interface RunningConfigService {
  /** The gRPC port actually bound. */
  port: number;
  /** The HTTP/JSON API's base URL (`http://127.0.0.1:8080`), its port actually bound. */
  httpUrl: string;
  /** Attempt results recorded, dropped and retried by this instance. */
  deliveryLog: DeliveryLogStats;
  /** Graceful: stops accepting calls, drains in-flight ones, closes connections. */
  stop(): Promise<void>;
  /** Resolves if its durable consumer stops delivering on its own (deleted with its stream, say). */
  failed: Promise<Error>;
  /** Resolves once the database, the callbacks bucket and the delivery log are ready (or the service stopped first). */
  ready: Promise<void>;
  /** One reconciliation of the CALLBACKS bucket with the database now (undefined when it failed). */
  reconcileBucket(): Promise<ReconcileReport | undefined>;
}

/** SPEC §7.1: 5 s to connect. */
const CONNECT_TIMEOUT_MS = 5_000;
/** As much of a test send's response as the delivery log keeps of an attempt's. */
const RESPONSE_EXCERPT_BYTES = 1_024;
/** How often statistics counted in memory are written (what a crash can lose of them). */
const STATS_FLUSH_MS = 10_000;
/** A callback's successes are written about once per this much attempt time (HeldSuccesses). */
const SUCCESS_HOLD_MS = 1_000;

/** Wires the config service from validated settings and starts it. */
export async function startConfigService(
  settings: ConfigServiceSettings,
  log: Logger,
  telemetry: Telemetry = disabledTelemetry('config-service'),
): Promise<RunningConfigService> {
  const tracing = new NatsTracing(telemetry);
  const mongo = new MongoClient(settings.mongoUrl, {
    serverSelectionTimeoutMS: settings.mongoTimeoutMs,
    connectTimeoutMS: settings.mongoTimeoutMs,
    appName: 'callbacks-config-service',
    monitorCommands: telemetry.tracing,
  });
  traceMongoCommands(mongo, telemetry);
  const db = mongo.db(settings.mongoDatabase);
  const repository = new MongoCallbackRepository(db);
  const deliveryLog = new MongoDeliveryLog(db, settings.deliveryRetentionMs);
  const healthStore = new MongoEndpointHealth(db, settings.deliveryRetentionMs);
  const statsStore = new MongoDeliveryStats(db, settings.deliveryRetentionMs);
  const stats = new BufferedDeliveryStats(statsStore, (error) =>
    log.warn({ err: error }, 'could not record delivery statistics; the next flush tries again'),
  );
  stats.start(STATS_FLUSH_MS);
  const successes = new HeldSuccesses(healthStore, SUCCESS_HOLD_MS, (error) =>
    log.warn({ err: error }, 'could not record endpoint successes; the next flush tries again'),
  );
  successes.start();
  const nc = await connectNats({ servers: settings.natsServers, name: 'config-service' });
  const publisher = new AckedPublisher(nc);
  const http = new DeliveryHttpClient({
    policy: settings.addressPolicy,
    connectTimeoutMs: CONNECT_TIMEOUT_MS,
    excerptBytes: RESPONSE_EXCERPT_BYTES,
  });
  const clock = () => new Date();

  const bucket = new NatsCallbackBucket(await bindCallbacksBucket(nc));
  const secrets = new CallbackSecrets(settings.platformKeys);
  const deps = {
    repository,
    secrets,
    publisher: new BucketPublisher(bucket, log),
    clock,
    limits: {
      allowHttpUrls: settings.allowHttpUrls,
      maxConcurrency: settings.maxConcurrencyLimit,
      maxRequestsPerSecond: settings.maxRateLimit,
      maxTimeoutMs: settings.maxTimeoutMs,
    },
  };
  const update = new UpdateCallback(deps);
  const useCases: CallbackUseCases = {
    create: new CreateCallback(deps),
    get: new GetCallback(deps),
    list: new ListCallbacks({ ...deps, health: successes }),
    update,
    delete: new DeleteCallback(deps),
    test: new TestCallback({
      ...deps,
      keyRing: settings.keyRing,
      platformKeys: settings.platformKeys,
      sender: new HttpTestSender(http, clock, telemetry),
    }),
    revealSecret: new RevealCallbackSecret({ ...deps, log }),
    rotateSecret: new RotateCallbackSecret(deps),
    listDeliveries: new ListDeliveries({ log: deliveryLog }),
    getDelivery: new GetDelivery({ log: deliveryLog }),
    stats: new GetDeliveryStats({ stats, repository, clock }),
    replay: new ReplayDeliveries({
      log: deliveryLog,
      callbacks: repository,
      publisher: new NatsDeliveryJobPublisher(publisher, tracing),
      clock,
    }),
  };
  const authenticator = new TokenAuthenticator(settings.tokens);
  // One API for both transports, so a caller's request rate is counted once, however it calls.
  const api = callbackApi(
    useCases,
    new RequestRateLimit({ perSecond: settings.apiRateLimit, burst: settings.apiRateBurst }),
  );
  const implementation = callbackService({ api, authenticator, log });
  const health = new EndpointHealth({
    store: successes,
    repository,
    update,
    failingPeriodMs: settings.failingPeriodMs,
    clock,
    log,
  });
  const consumer = new AttemptResultConsumer(
    nc,
    new RecordAttemptResult({ log: deliveryLog, health, stats, clock }),
    log,
    { batchSize: settings.deliveryLogBatch, gatherMs: settings.deliveryLogGatherMs },
    tracing,
  );
  const reconciler = new BucketReconciler(new ReconcileBucket({ repository, bucket }), log);
  const cleanup = new ExpiredDeliveriesCleanup(
    { log: deliveryLog, health: healthStore, stats: statsStore },
    clock,
    log,
  );
  registerConfigServiceMetrics(telemetry, consumer.stats);

  const metrics = await serveMetrics(telemetry, {
    address: settings.metricsAddr,
    log,
    nc,
    consumers: [{ stream: STREAMS.results.name, consumer: DELIVERY_LOG_CONSUMER }],
  });
  const tls =
    settings.tlsCert !== undefined && settings.tlsKey !== undefined
      ? { cert: settings.tlsCert, key: settings.tlsKey }
      : undefined;
  const grpc = await startGrpcServer(settings.grpcAddr, implementation, [grpcServerInterceptor(telemetry)], tls);
  log.info(
    {
      address: settings.grpcAddr,
      port: grpc.port,
      tls: tls !== undefined,
      signing_key: settings.keyRing?.current().keyId ?? null,
    },
    'config service listening',
  );
  const httpApi = await startHttpApi({
    address: settings.httpAddr,
    api,
    authenticator,
    log,
    telemetry,
    tls,
    consoleDir: settings.consoleDir,
  });
  log.info(
    {
      address: settings.httpAddr,
      http_port: httpApi.port,
      url: httpApi.url,
      console: settings.consoleDir !== undefined,
    },
    'http api listening',
  );

  // Serving as soon as the database answers; until then calls fail UNAVAILABLE on their own.
  // The delivery log follows once JetStream answers too: results wait in their stream meanwhile.
  let stopping = false;
  const retrying = { log, stopped: () => stopping };
  const ready = (async () => {
    const indexed = await retryUntilDone(
      'preparing the database',
      async () => {
        await repository.ensureIndexes();
        const expiry = [
          await deliveryLog.ensureIndexes(),
          await healthStore.ensureIndexes(),
          await statsStore.ensureIndexes(),
        ];
        if (expiry.includes('clean-up-only'))
          log.info('the database has no TTL indexes: expired deliveries are deleted by the periodic clean-up only');
      },
      retrying,
    );
    if (!indexed) return;
    setServing(grpc.health, true);
    metrics.ready();
    log.info('database ready; serving');
    cleanup.start(settings.deliveryCleanupIntervalMs);
    const bucketReady = await retryUntilDone(
      'preparing the callbacks bucket',
      () => ensureCallbacksBucket(nc, { replicas: settings.callbacksBucketReplicas }),
      retrying,
    );
    if (!bucketReady) return;
    let lease: NatsRoundLease | undefined;
    const leaseReady = await retryUntilDone(
      'preparing the reconciliation lease',
      async () => {
        lease = await NatsRoundLease.open(nc, {
          intervalMs: settings.kvReconcileIntervalMs,
          replicas: settings.callbacksBucketReplicas,
          holder: `${hostname()}:${process.pid}`,
        });
      },
      retrying,
    );
    if (!leaseReady || !lease) return;
    reconciler.start(settings.kvReconcileIntervalMs, lease);
    const consuming = await retryUntilDone(
      'starting the delivery log',
      () => startDeliveryLog(nc, consumer, settings, log),
      retrying,
    );
    if (consuming) log.info({ consumer: DELIVERY_LOG_CONSUMER }, 'delivery log consuming attempt results');
  })();

  return {
    port: grpc.port,
    httpUrl: httpApi.url,
    deliveryLog: consumer.stats,
    failed: consumer.failed,
    ready,
    reconcileBucket: () => reconciler.runOnce(),
    async stop() {
      stopping = true;
      setServing(grpc.health, false);
      await Promise.all([shutdownGrpcServer(grpc.server, 10_000), httpApi.close(10_000)]);
      await ready;
      await consumer.stop();
      await stats.stop();
      await successes.stop();
      await cleanup.stop();
      await reconciler.stop();
      publisher.close();
      await http.close();
      await nc.drain().catch((error: unknown) => log.warn({ err: error }, 'NATS drain failed'));
      await mongo.close();
      await metrics.stop();
      log.info({ delivery_log: consumer.stats }, 'config service stopped');
    },
  };
}

/** The results stream (this service owns its settings; the dispatchers create it too) and this service's consumer of it. */
async function startDeliveryLog(
  nc: NatsConnection,
  consumer: AttemptResultConsumer,
  settings: ConfigServiceSettings,
  log: Logger,
): Promise<void> {
  await ensureStreams(nc, 'config-service', settings, ['results'], (message) => log.warn(message));
  await ensureConsumer(nc, 'results', {
    durable_name: DELIVERY_LOG_CONSUMER,
    filter_subject: SUBJECTS.allAttemptResults,
    ack_wait: nanos(30_000),
    max_ack_pending: 4 * settings.deliveryLogBatch,
    max_deliver: -1,
  });
  await consumer.start();
}
