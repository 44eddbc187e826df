import type { KV } from '@nats-io/kv';
import type { Logger } from '@callbacks/logger';
import {
  BucketMissingError,
  CallbackBucketWatch,
  type EncodedBucketEntry,
  type NatsConnection,
  openCallbacksBucket,
} from '@callbacks/messaging';
import type { CallbackIndex } from './callback-index';

/**
 * Keeps the index equal to the CALLBACKS bucket, which the config service writes after every
 * committed change: the bucket's latest entries are the snapshot, its changes then arrive in
 * order and resume after a reconnect where they left off. Nothing else to reload or reconcile.
 */
export class BucketFollower {
  private watch: CallbackBucketWatch | undefined;
  private stopped = false;
  /** The bucket revision of the last change applied (for operators: how far this matcher is). */
  revision = 0;

  constructor(
    private readonly index: CallbackIndex,
    private readonly log: Logger,
  ) {}

  /**
   * Resolves once the index holds the bucket's snapshot. Waits for the bucket (the config service
   * creates it) as long as it takes: a matcher must not consume events before it knows the
   * callbacks, or it would acknowledge events unmatched.
   */
  async start(nc: NatsConnection): Promise<void> {
    const kv = await this.open(nc);
    if (!kv) return;
    const started = Date.now();
    this.watch = await CallbackBucketWatch.startEncoded(kv, (entry) => this.apply(entry));
    await this.watch.ready;
    this.log.info(
      { callbacks: this.index.size, revision: this.revision, ms: Date.now() - started },
      'callbacks loaded from the bucket',
    );
  }

  /** Resolves if the watch ends on its own (the bucket was deleted, say). */
  get ended(): Promise<Error> {
    return this.watch?.ended ?? new Promise<never>(() => undefined);
  }

  stop(): void {
    this.stopped = true;
    this.watch?.stop();
  }

  private async open(nc: NatsConnection): Promise<KV | undefined> {
    for (let attempt = 1; !this.stopped; attempt++) {
      try {
        return await openCallbacksBucket(nc);
      } catch (error) {
        const message =
          error instanceof BucketMissingError
            ? 'waiting for the config service to create the callbacks bucket'
            : 'cannot open the callbacks bucket yet; retrying';
        this.log.warn({ err: error, attempt }, message);
        await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 200 * attempt)));
      }
    }
    return undefined;
  }

  /** Values stay encoded: the index decodes a database's callbacks when its first event comes. */
  private apply(entry: EncodedBucketEntry): void {
    this.revision = entry.kvRevision;
    if (entry.op === 'put') this.index.putEncoded(entry.key, entry.value);
    else this.index.remove(entry.key);
  }
}
