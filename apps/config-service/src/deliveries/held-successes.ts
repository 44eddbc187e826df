import type { EndpointHealthStore } from './ports';

/**
 * Successes written to the health store at most about once per `holdMs` of attempt time per
 * callback: a success less than `holdMs` after the last one this instance wrote for its callback
 * is held (the latest of them) and written by the next flush (every `holdMs`, before a failure of
 * that callback is judged, before its health is read, and at stop). On FerretDB 1.24 each write
 * costs the server about a millisecond, and a busy endpoint's successes came once per batch of
 * results; now once a second.
 *
 * What holding can change: a failure recorded meanwhile (by another instance) that is older than
 * the held success starts a failing period, which the flush ends at most `holdMs` later. A failing
 * period long enough to disable the callback cannot hide a held success: it would have to start
 * before the last success written, which is less than `holdMs` older, and that write ended
 * every period begun before it.
 */
export class HeldSuccesses implements EndpointHealthStore {
  private held = new Map<string, Date>();
  /** Per callback, the attempt time of the last success written (ms); two generations, one flush each. */
  private written = new Map<string, number>();
  private writtenBefore = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: EndpointHealthStore,
    private readonly holdMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.flush().catch(this.onError), this.holdMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush().catch(this.onError);
  }

  async succeeded(callbackId: string, at: Date): Promise<void> {
    const last = this.written.get(callbackId) ?? this.writtenBefore.get(callbackId);
    // Older than a success written already: it can change nothing there.
    if (last !== undefined && at.getTime() <= last) return;
    if (last !== undefined && at.getTime() - last < this.holdMs) {
      const held = this.held.get(callbackId);
      if (!held || held < at) this.held.set(callbackId, at);
      return;
    }
    await this.write(callbackId, at);
  }

  async failed(callbackId: string, at: Date): Promise<Date | undefined> {
    await this.release([callbackId]);
    return this.store.failed(callbackId, at);
  }

  async restart(callbackId: string): Promise<void> {
    await this.release([callbackId]);
    await this.store.restart(callbackId);
  }

  async failingSinceOf(callbackIds: readonly string[]): Promise<Map<string, Date>> {
    await this.release(callbackIds);
    return this.store.failingSinceOf(callbackIds);
  }

  /** Writes every held success; a failed write stays held for the next flush. */
  async flush(): Promise<void> {
    await this.release([...this.held.keys()]);
    this.writtenBefore = this.written;
    this.written = new Map();
  }

  private async release(callbackIds: readonly string[]): Promise<void> {
    if (this.held.size === 0) return;
    await Promise.all(
      callbackIds.map(async (callbackId) => {
        const at = this.held.get(callbackId);
        if (at === undefined) return;
        this.held.delete(callbackId);
        try {
          await this.write(callbackId, at);
        } catch (error) {
          const later = this.held.get(callbackId);
          if (!later || later < at) this.held.set(callbackId, at);
          throw error;
        }
      }),
    );
  }

  private async write(callbackId: string, at: Date): Promise<void> {
    await this.store.succeeded(callbackId, at);
    const time = at.getTime();
    if ((this.written.get(callbackId) ?? -Infinity) < time) this.written.set(callbackId, time);
  }
}
