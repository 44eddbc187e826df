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
 * never rolls a newer change back. While notices may have been lost (NATS went away), matching
 * waits for a snapshot read afterwards (`waitForCurrent`).
 */
export class CallbackSync {
  private replay: CallbackChange[] | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  private stopped = false;
  /** Closed while notices may have been lost; and how often they have been at risk. */
  private gate: { until: Promise<void>; open: () => void } | undefined;
  private risks = 0;
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

  /** A full reload, read after this call (e.g. after NATS reconnected and notices may have been missed). */
  async resync(): Promise<void> {
    if (!this.running) {
      this.running = this.load().finally(() => (this.running = undefined));
      return this.running;
    }
    // One is reading already, perhaps from before what this call is for: read again after it.
    this.queued ??= this.running
      .catch(() => undefined)
      .then(() => {
        this.queued = undefined;
        return this.resync();
      });
    return this.queued;
  }

  /**
   * Change notices may be getting lost (the connection to NATS dropped): until `catchUp`, an
   * event matched might miss a callback created meanwhile and be acknowledged unmatched, so
   * matching waits.
   */
  noticesAtRisk(): void {
    this.risks++;
    if (this.gate) return;
    let open = () => undefined as void;
    const until = new Promise<void>((resolve) => (open = resolve));
    this.gate = { until, open };
  }

  /** What matching must wait for first, while notices may have been lost; undefined otherwise. */
  waitForCurrent(): Promise<void> | undefined {
    return this.gate?.until;
  }

  /**
   * Reads a snapshot afresh (the connection is back), then lets matching go on — also when the
   * config service cannot be reached: matching then continues on the last good snapshot.
   */
  async catchUp(): Promise<void> {
    const risks = this.risks;
    try {
      await this.resync();
    } finally {
      // Unless the connection dropped again meanwhile, and another catch-up is due.
      if (this.risks === risks) {
        this.gate?.open();
        this.gate = undefined;
      }
    }
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
