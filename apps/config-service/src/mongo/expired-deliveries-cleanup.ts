import type { Logger } from '@callbacks/logger';
import type { Clock } from '../callbacks/ports';
import type { MongoDeliveryLog } from './mongo-delivery-log';
import type { MongoDeliveryStats } from './mongo-delivery-stats';
import type { MongoEndpointHealth } from './mongo-endpoint-health';

/**
 * Deletes expired deliveries, attempts and endpoint health now and then. Where the database
 * has TTL indexes they have done it already and this finds nothing; FerretDB 1.x has none, and
 * there this is what enforces the retention. Every instance runs it; the deletes are idempotent.
 */
export class ExpiredDeliveriesCleanup {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly stores: { log: MongoDeliveryLog; health: MongoEndpointHealth; stats: MongoDeliveryStats },
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  start(intervalMs: number): void {
    this.timer = setInterval(() => void this.runOnce(), intervalMs);
    void this.runOnce();
  }

  /** One clean-up; a failure is logged and the next one tries again. */
  runOnce(): Promise<void> {
    this.running ??= this.clean().finally(() => (this.running = undefined));
    return this.running;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private async clean(): Promise<void> {
    const now = this.clock();
    try {
      const removed = {
        ...(await this.stores.log.purgeExpired(now)),
        endpointHealth: await this.stores.health.purgeExpired(now),
        statistics: await this.stores.stats.purgeExpired(now),
      };
      if (removed.deliveries + removed.attempts + removed.endpointHealth + removed.statistics > 0)
        this.log.info(removed, 'expired deliveries deleted');
    } catch (error) {
      this.log.warn({ err: error }, 'could not delete expired deliveries; the next clean-up tries again');
    }
  }
}
