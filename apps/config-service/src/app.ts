import { MongoClient } from 'mongodb';
import type { Logger } from '@callbacks/logger';
import { connectNats } from '@callbacks/messaging';
import { TokenAuthenticator } from './auth/tokens';
import { CreateCallback } from './callbacks/create-callback';
import { DeleteCallback } from './callbacks/delete-callback';
import { GetCallback } from './callbacks/get-callback';
import { ListCallbacks } from './callbacks/list-callbacks';
import { UpdateCallback } from './callbacks/update-callback';
import type { ConfigServiceSettings } from './config';
import { callbackService } from './grpc/callback-service';
import { setServing, shutdownGrpcServer, startGrpcServer } from './grpc/server';
import { MongoCallbackRepository } from './mongo/mongo-callback-repository';
import { NatsChangeNotifier } from './nats/nats-change-notifier';

export interface RunningConfigService {
  /** The gRPC port actually bound. */
  port: number;
  /** Graceful: stops accepting calls, drains in-flight ones, closes connections. */
  stop(): Promise<void>;
}

/** Wires the config service from validated settings and starts it. */
export async function startConfigService(settings: ConfigServiceSettings, log: Logger): Promise<RunningConfigService> {
  const mongo = new MongoClient(settings.mongoUrl, {
    serverSelectionTimeoutMS: settings.mongoTimeoutMs,
    connectTimeoutMS: settings.mongoTimeoutMs,
    appName: 'callbacks-config-service',
  });
  const repository = new MongoCallbackRepository(mongo.db(settings.mongoDatabase));
  const nc = await connectNats({ servers: settings.natsServers, name: 'config-service' });
  const notifier = new NatsChangeNotifier(nc, log);

  const deps = {
    repository,
    notifier,
    clock: () => new Date(),
    limits: {
      allowHttpUrls: settings.allowHttpUrls,
      maxConcurrency: settings.maxConcurrencyLimit,
      maxRequestsPerSecond: settings.maxRateLimit,
      maxTimeoutMs: settings.maxTimeoutMs,
    },
  };
  const implementation = callbackService({
    useCases: {
      create: new CreateCallback(deps),
      get: new GetCallback(deps),
      list: new ListCallbacks(deps),
      update: new UpdateCallback(deps),
      delete: new DeleteCallback(deps),
    },
    authenticator: new TokenAuthenticator(settings.tokens),
    log,
  });
  const grpc = await startGrpcServer(settings.grpcAddr, implementation);
  log.info({ address: settings.grpcAddr, port: grpc.port }, 'config service listening');

  // Serving as soon as the database answers; until then calls fail UNAVAILABLE on their own.
  let stopping = false;
  const ready = (async () => {
    for (let attempt = 1; !stopping; attempt++) {
      try {
        await repository.ensureIndexes();
        setServing(grpc.health, true);
        log.info('database ready; serving');
        return;
      } catch (error) {
        log.warn({ err: error, attempt }, 'database not ready; retrying');
        await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 250 * attempt)));
      }
    }
  })();

  return {
    port: grpc.port,
    async stop() {
      stopping = true;
      setServing(grpc.health, false);
      await shutdownGrpcServer(grpc.server, 10_000);
      await ready;
      await nc.drain().catch((error: unknown) => log.warn({ err: error }, 'NATS drain failed'));
      await mongo.close();
      log.info('config service stopped');
    },
  };
}
