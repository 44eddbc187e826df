import { BINARIES, type BinaryName, ensureInstalled } from './install';
import { startNatsCluster } from './nats-cluster';
import { ensureOsCommands, OS_PACKAGES, type OsCommand } from './os-packages';
import { BIN_DIR } from './paths';
import { startInfrastructure, startMongo } from './servers';

const USAGE = `usage: npm run infra -- <command>

  install [--tools]   install nats-server and ferretdb (with --tools also nats, grpcurl,
                      grpc-health-probe, protoc-gen-openapi, docker-compose and helm) through the Go module proxy, at
                      pinned versions, into ${BIN_DIR}; --tools also installs the
                      operating system's packages some tests need (${Object.values(OS_PACKAGES).join(', ')}) with
                      apt-get when run as root
  up                  start nats-server (JetStream) and a MongoDB-wire server on free loopback
                      ports (or use NATS_URL / MONGO_URL), print their URLs, stop on Ctrl-C
  up --nats-cluster N a cluster of N nats-servers on loopback instead (routes between them,
                      JetStream with a store folder each), and the stream settings to match`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const log = (line: string) => console.error(`infra: ${line}`);
  switch (command) {
    case 'install': {
      const names = (rest.includes('--tools') ? Object.keys(BINARIES) : ['natsServer', 'ferretdb']) as BinaryName[];
      await ensureInstalled(names, log);
      for (const name of names) log(`${BINARIES[name].name} ${BINARIES[name].version} ready in ${BIN_DIR}`);
      if (rest.includes('--tools')) {
        await ensureOsCommands(Object.keys(OS_PACKAGES) as OsCommand[], log);
        log(`${Object.keys(OS_PACKAGES).join(', ')} ready`);
      }
      return 0;
    }
    case 'up': {
      const flag = rest.indexOf('--nats-cluster');
      if (flag >= 0) return upCluster(Number(rest[flag + 1]), log);
      log('starting servers...');
      const infra = await startInfrastructure();
      console.log(`NATS_URL=${infra.nats.url}`);
      console.log(`MONGO_URL=${infra.mongo.url}`);
      await untilSignalled(log);
      await infra.close();
      return 0;
    }
    default:
      console.error(USAGE);
      return command === undefined || command === 'help' || command === '--help' ? 0 : 2;
  }
}

/** `up --nats-cluster N`: N routed nats-servers, streams at min(N, 3) replicas, and a MongoDB-wire server. */
async function upCluster(size: number, log: (line: string) => void): Promise<number> {
  if (!Number.isInteger(size) || size < 1) {
    console.error('infra: --nats-cluster takes the number of nodes, e.g. --nats-cluster 3');
    return 2;
  }
  log(`starting a cluster of ${size} nats-servers and a MongoDB-wire server...`);
  const [cluster, mongo] = await Promise.all([
    startNatsCluster(size),
    process.env.MONGO_URL ? undefined : startMongo(),
  ]);
  const replicas = String(Math.min(size, 3));
  console.log(`NATS_URL=${cluster.url}`);
  console.log(`MONGO_URL=${mongo?.url ?? process.env.MONGO_URL}`);
  // Every service must be given the same stream settings.
  for (const stream of ['EVENTS', 'DELIVERIES', 'RESULTS']) console.log(`${stream}_STREAM_REPLICAS=${replicas}`);
  console.log(`CALLBACKS_BUCKET_REPLICAS=${replicas}`);
  await untilSignalled(log);
  await Promise.all([cluster.close(), mongo?.close()]);
  return 0;
}

async function untilSignalled(log: (line: string) => void): Promise<void> {
  log('running; Ctrl-C stops them');
  await new Promise<void>((resolve) => {
    // `on`, not `once`: a second Ctrl-C must not kill this process before it has stopped the servers.
    process.on('SIGINT', resolve);
    process.on('SIGTERM', resolve);
  });
  log('stopping...');
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`infra: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
