import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { binaryPath, ensureInstalled } from './install';
import { freePort } from './ports';
import { ManagedProcess, waitUntil } from './process';

export interface Server {
  readonly url: string;
  /** Started here (and stoppable), or given by the environment. */
  readonly managed: ManagedProcess | undefined;
  /** Stops the server (if started here) and removes its data. */
  close(): Promise<void>;
}

async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `callbacks-${prefix}-`));
}

/** A nats-server with JetStream on a free loopback port, data in a temporary folder. */
export async function startNats(options: { dataDir?: string } = {}): Promise<Server> {
  await ensureInstalled(['natsServer']);
  const dir = options.dataDir ?? (await tempDir('nats'));
  const port = await freePort();
  const monitor = await freePort();
  const proc = new ManagedProcess(
    `nats-server on 127.0.0.1:${port}`,
    binaryPath('natsServer'),
    ['--jetstream', '--store_dir', dir, '--addr', '127.0.0.1', '--port', String(port), '--http_port', String(monitor)],
    (signal) =>
      waitUntil(async () => {
        const response = await fetch(`http://127.0.0.1:${monitor}/healthz?js-enabled-only=true`, { signal });
        return response.ok;
      }, signal),
  );
  await proc.start();
  return {
    url: `nats://127.0.0.1:${port}`,
    managed: proc,
    async close() {
      await proc.stop();
      if (!options.dataDir) await rm(dir, { recursive: true, force: true });
    },
  };
}

function mongodOnPath(): string | undefined {
  try {
    return execFileSync('sh', ['-c', 'command -v mongod'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

async function pingable(url: string, signal: AbortSignal): Promise<boolean> {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 500, connectTimeoutMS: 500 });
  const closeOnAbort = () => void client.close();
  signal.addEventListener('abort', closeOnAbort, { once: true });
  try {
    await client.db('admin').command({ ping: 1 });
    return true;
  } finally {
    signal.removeEventListener('abort', closeOnAbort);
    await client.close();
  }
}

/**
 * A MongoDB-wire server on a free loopback port: `mongod` when one is on the PATH, otherwise
 * FerretDB with its embedded SQLite backend (telemetry off, debug listener off).
 */
export async function startMongo(options: { dataDir?: string } = {}): Promise<Server> {
  const dir = options.dataDir ?? (await tempDir('mongo'));
  const port = await freePort();
  const url = `mongodb://127.0.0.1:${port}/`;
  const mongod = mongodOnPath();
  let proc: ManagedProcess;
  if (mongod) {
    proc = new ManagedProcess(
      `mongod on 127.0.0.1:${port}`,
      mongod,
      ['--dbpath', dir, '--bind_ip', '127.0.0.1', '--port', String(port), '--quiet'],
      (signal) => waitUntil(() => pingable(url, signal), signal, 100),
    );
  } else {
    await ensureInstalled(['ferretdb']);
    proc = new ManagedProcess(
      `ferretdb on 127.0.0.1:${port}`,
      binaryPath('ferretdb'),
      [
        '--handler=sqlite',
        // SQLite's page cache defaults to 2 MiB a connection: once the delivery log's indexes
        // outgrow it, every insert reads index pages back (recording results fell by ≈28 % from
        // 10,000 to 100,000 deliveries). Up to 64 MiB keeps them cached; it is used as pages are read.
        `--sqlite-url=file:${dir}/?_pragma=cache_size(-65536)`,
        `--state-dir=${dir}`,
        `--listen-addr=127.0.0.1:${port}`,
        '--debug-addr=-',
        '--telemetry=disable',
        '--log-level=warn',
      ],
      (signal) => waitUntil(() => pingable(url, signal), signal, 100),
    );
  }
  await proc.start();
  return {
    url,
    managed: proc,
    async close() {
      await proc.stop();
      if (!options.dataDir) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A server given by the environment (NATS_URL, MONGO_URL): used as is, never stopped. */
function external(url: string): Server {
  return { url, managed: undefined, close: () => Promise.resolve() };
}

export interface Infrastructure {
  nats: Server;
  mongo: Server;
  close(): Promise<void>;
}

/**
 * NATS and a MongoDB-wire server for tests and local runs: `NATS_URL` / `MONGO_URL` when set,
 * otherwise servers started here.
 */
export async function startInfrastructure(
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<Infrastructure> {
  const [nats, mongo] = await Promise.all([
    env.NATS_URL ? external(env.NATS_URL) : startNats(),
    env.MONGO_URL ? external(env.MONGO_URL) : startMongo(),
  ]);
  return {
    nats,
    mongo,
    async close() {
      await Promise.all([nats.close(), mongo.close()]);
    },
  };
}
