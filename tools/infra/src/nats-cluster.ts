import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binaryPath, ensureInstalled } from './install';
import { freePort } from './ports';
import { ManagedProcess, waitUntil } from './process';

/** One node of a NATS cluster started here. */
export interface NatsNode {
  /** Its server name (`n1`, `n2`, …), as JetStream reports stream leaders. */
  readonly name: string;
  /** Its client URL. */
  readonly url: string;
  readonly managed: ManagedProcess;
}

export interface NatsCluster {
  /** Every node's client URL, comma-separated, as services take `NATS_URL`. */
  readonly url: string;
  readonly servers: string[];
  readonly nodes: NatsNode[];
  /** The node with this server name. */
  node(name: string): NatsNode;
  /** Stops every node and removes their data. */
  close(): Promise<void>;
}

/**
 * A nats-server cluster of `size` nodes on loopback: each with JetStream and its own store
 * folder, routed to every other node. A node is ready when its `/healthz` is ok — JetStream on
 * and current with the cluster — so a node restarted in a rolling upgrade has caught up before
 * `start()` resolves. Nodes keep their ports and data across `stop()`/`kill()` and `start()`.
 */
export async function startNatsCluster(size = 3, options: { clusterName?: string } = {}): Promise<NatsCluster> {
  if (size < 1) throw new Error('a cluster needs at least one node');
  await ensureInstalled(['natsServer']);
  const dir = await mkdtemp(join(tmpdir(), 'callbacks-nats-cluster-'));
  const ports = await Promise.all(
    Array.from({ length: size }, async () => ({
      client: await freePort(),
      route: await freePort(),
      monitor: await freePort(),
    })),
  );
  const routes = ports.map((p) => `nats://127.0.0.1:${p.route}`);
  const nodes = await Promise.all(
    ports.map(async (port, i): Promise<NatsNode> => {
      const name = `n${i + 1}`;
      const route = `nats://127.0.0.1:${port.route}`;
      const store = join(dir, name);
      await mkdir(store);
      const managed = new ManagedProcess(
        `nats-server ${name} on 127.0.0.1:${port.client}`,
        binaryPath('natsServer'),
        [
          '--server_name',
          name,
          '--jetstream',
          '--store_dir',
          store,
          '--addr',
          '127.0.0.1',
          '--port',
          String(port.client),
          '--http_port',
          String(port.monitor),
          '--cluster_name',
          options.clusterName ?? 'callbacks',
          '--cluster',
          route,
          '--routes',
          routes.filter((r) => r !== route).join(','),
        ],
        (signal) =>
          waitUntil(
            async () => {
              const response = await fetch(`http://127.0.0.1:${port.monitor}/healthz`, { signal });
              return response.ok;
            },
            signal,
            100,
          ),
      );
      return { name, url: `nats://127.0.0.1:${port.client}`, managed };
    }),
  );
  const close = async () => {
    await Promise.all(nodes.map((n) => n.managed.stop()));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    // Together: a node's JetStream is healthy only once the cluster has a meta leader.
    await Promise.all(nodes.map((n) => n.managed.start(60_000)));
  } catch (error) {
    await close();
    throw error;
  }
  const servers = nodes.map((n) => n.url);
  return {
    url: servers.join(','),
    servers,
    nodes,
    node(name) {
      const found = nodes.find((n) => n.name === name);
      if (!found) throw new Error(`no node ${name} in this cluster (${nodes.map((n) => n.name).join(', ')})`);
      return found;
    },
    close,
  };
}
