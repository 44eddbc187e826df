import type { Logger } from '@callbacks/logger';
import type { Callback } from '@callbacks/proto/callbacks/v1/callback';
import { ChangeType, type CallbackChange } from '@callbacks/proto/callbacks/v1/callback_change';
import type { CallbackIndex } from './callback-index';

export interface CallbackSource {
  loadAll(): Promise<Callback[]>;
}

/**
 * Keeps the index fresh: change notices are applied as they arrive (a change is visible within
 * milliseconds), and a periodic full resync heals whatever a lost notice missed. Notices that
 * arrive while a snapshot is being read are applied again on top of it, so a slow snapshot
 * never rolls a newer change back.
 */
export class CallbackSync {
  private replay: CallbackChange[] | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  lastSyncAt: Date | undefined;

  constructor(
    private readonly index: CallbackIndex,
    private readonly source: CallbackSource,
    private readonly log: Logger,
    private readonly intervalMs: number,
  ) {}

  /** Applies a change notice. */
  apply(change: CallbackChange): void {
    this.replay?.push(change);
    this.applyToIndex(change);
  }

  /**
   * Loads the first snapshot, retrying until the config service answers: a matcher must not
   * consume events before it knows the callbacks, or it would acknowledge events unmatched.
   */
  async start(): Promise<void> {
    for (let attempt = 1; !this.stopped; attempt++) {
      try {
        await this.resync();
        break;
      } catch (error) {
        this.log.warn({ err: error, attempt }, 'cannot load callbacks from the config service yet; retrying');
        await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 200 * attempt)));
      }
    }
    this.schedule();
  }

  /** A full reload now (e.g. after NATS reconnected and notices may have been missed). */
  async resync(): Promise<void> {
    this.running ??= this.load().finally(() => (this.running = undefined));
    return this.running;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async load(): Promise<void> {
    const started = Date.now();
    this.replay = [];
    try {
      const snapshot = await this.source.loadAll();
      const replay = this.replay;
      this.index.replaceAll(snapshot);
      for (const change of replay) this.applyToIndex(change);
      this.lastSyncAt = new Date();
      this.log.info({ callbacks: this.index.size, ms: Date.now() - started, replayed: replay.length }, 'callbacks synced');
    } finally {
      this.replay = undefined;
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.resync()
        .catch((error: unknown) =>
          this.log.warn({ err: error }, 'callback resync failed; matching continues on the last good snapshot'),
        )
        .finally(() => this.schedule());
    }, this.intervalMs);
    this.timer.unref();
  }

  private applyToIndex(change: CallbackChange): void {
    if (change.type === ChangeType.UPSERTED && change.callback) this.index.upsert(change.callback);
    else if (change.type === ChangeType.DELETED) this.index.remove(change.callbackId, change.revision);
  }
}
