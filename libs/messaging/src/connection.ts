import { connect, type NatsConnection } from '@nats-io/transport-node';

export type { NatsConnection };

/**
 * Connects to NATS. For a long-running service (the default): keeps reconnecting forever (a
 * NATS restart must never take a service down) and waits for the first connection as long as
 * it takes, so a service can start before NATS does. For a one-shot command (`once`): one try
 * within a few seconds, and an error to report when NATS cannot be reached.
 */
export async function connectNats(options: {
  servers: readonly string[];
  name: string;
  once?: boolean;
}): Promise<NatsConnection> {
  const lifetime = options.once
    ? { timeout: 5_000, maxReconnectAttempts: 0 }
    : { maxReconnectAttempts: -1, reconnectTimeWait: 250, waitOnFirstConnect: true };
  return connect({
    servers: [...options.servers],
    name: options.name,
    ...lifetime,
    // Capturing a stack trace for every request (every JetStream publish) costs about a fifth
    // of a matcher's CPU; the errors still say what failed.
    noAsyncTraces: true,
  });
}
