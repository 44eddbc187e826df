import type { Logger } from '@callbacks/logger';
import type { Callback } from '@callbacks/proto/callbacks/v1/callback';
import type { CallbackBucket, CallbackPublisher } from './ports';

/**
 * Writes each committed change to the CALLBACKS bucket before the call that made it returns,
 * so an event published afterwards is matched against it. The change is committed already:
 * a write that fails or takes longer than `waitMs` (NATS away) is logged and the call goes on;
 * the reconciler writes what the bucket missed at its next round.
 */
export class BucketPublisher implements CallbackPublisher {
  constructor(
    private readonly bucket: CallbackBucket,
    private readonly log: Logger,
    private readonly waitMs = 2_000,
  ) {}

  upserted(callback: Callback): Promise<void> {
    return this.write(callback, () => this.bucket.put(callback));
  }

  deleted(callback: Callback): Promise<void> {
    return this.write(callback, () => this.bucket.delete(callback));
  }

  private async write(callback: Callback, write: () => Promise<unknown>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the bucket did not confirm the write within ${this.waitMs} ms`)),
        this.waitMs,
      );
    });
    try {
      await Promise.race([write(), late]);
    } catch (error) {
      this.log.warn(
        { err: error, callback_id: callback.id, revision: callback.revision },
        'could not write a callback change to the bucket; the reconciler will',
      );
    } finally {
      clearTimeout(timer);
    }
  }
}
