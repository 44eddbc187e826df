import { jetstreamManager } from '@nats-io/jetstream';
import { type KV, Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { isWrongLastSequence, nanos } from '@callbacks/messaging';
import type { RoundLease } from '../callbacks/ports';

/** The config service's own bucket (no other service reads it): who reconciles this interval. */
export const RECONCILE_LEASE_BUCKET = 'CALLBACKS_RECONCILER';
const ROUND_KEY = 'round';

/**
 * A round is a key that expires a little before the interval ends (the bucket's max age): the
 * first instance to create it in an interval reconciles; the others find it there. Instances tick
 * at their own phases, so a round is taken about once per interval, never twice within 90 % of it.
 */
export class NatsRoundLease implements RoundLease {
  private constructor(
    private readonly kv: KV,
    private readonly holder: string,
  ) {}

  static async open(
    nc: NatsConnection,
    settings: { intervalMs: number; replicas: number; holder: string },
  ): Promise<NatsRoundLease> {
    const ttl = Math.floor(settings.intervalMs * 0.9);
    const kv = await new Kvm(nc).create(RECONCILE_LEASE_BUCKET, {
      history: 1,
      ttl,
      replicas: settings.replicas,
      storage: 'file',
    });
    // An existing bucket keeps its settings on create: bring them to this instance's interval.
    const jsm = await jetstreamManager(nc);
    const { config } = await jsm.streams.info(`KV_${RECONCILE_LEASE_BUCKET}`);
    if (config.max_age !== nanos(ttl) || config.num_replicas !== settings.replicas)
      await jsm.streams.update(config.name, { ...config, max_age: nanos(ttl), num_replicas: settings.replicas });
    return new NatsRoundLease(kv, settings.holder);
  }

  async take(): Promise<boolean> {
    try {
      await this.kv.create(ROUND_KEY, this.holder);
      return true;
    } catch (error) {
      // create writes "expected last sequence 0": a live key makes that a wrong-sequence error.
      if (isWrongLastSequence(error)) return false;
      throw error;
    }
  }
}
