import { connect, type NatsConnection } from '@nats-io/transport-node';

export type { NatsConnection };

/**
 * Connects to NATS for a long-running service: keeps reconnecting forever (a NATS restart must
 * never take a service down), and waits for the first connection in the background, so a
 * service can start before NATS does.
 */
export async function connectNats(options: { servers: readonly string[]; name: string }): Promise<NatsConnection> {
  return connect({
    servers: [...options.servers],
    name: options.name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    waitOnFirstConnect: true,
    // Capturing a stack trace for every request (every JetStream publish) costs about a fifth
    // of a matcher's CPU; the errors still say what failed.
    noAsyncTraces: true,
  });
}
