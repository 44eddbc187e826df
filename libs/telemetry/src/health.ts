import type { NatsConnection } from '@nats-io/transport-node';

/** What `/readyz` reports a service still waits for. */
export type ReadinessGap = 'nats' | 'start-up';

/**
 * A service's readiness for `/readyz`: ready once the service says its start-up is done (its
 * consumer bound, its callbacks or key ring loaded, its database prepared) and only while its
 * NATS connection is up. Liveness (`/healthz`) asks nothing of NATS: an orchestrator must not
 * restart a service for an outage it rides out on its own.
 */
export class Readiness {
  private started = false;
  private connected = true;

  constructor(private readonly nc?: NatsConnection) {
    if (nc) void this.watch(nc);
  }

  /** Start-up is done; from now on readiness follows the NATS connection. */
  markStarted(): void {
    this.started = true;
  }

  /** What the service still waits for; empty when it is ready. */
  gaps(): ReadinessGap[] {
    const gaps: ReadinessGap[] = [];
    if (this.nc && (!this.connected || this.nc.isClosed() || this.nc.isDraining())) gaps.push('nats');
    if (!this.started) gaps.push('start-up');
    return gaps;
  }

  private async watch(nc: NatsConnection): Promise<void> {
    // Ends when the connection closes (gaps() sees that through isClosed()).
    for await (const status of nc.status()) {
      if (status.type === 'disconnect') this.connected = false;
      else if (status.type === 'reconnect') this.connected = true;
    }
  }
}
