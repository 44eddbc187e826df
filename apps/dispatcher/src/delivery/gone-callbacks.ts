/**
 * Callbacks whose receiver answered 410 Gone, remembered by one dispatcher so that it stops
 * sending their jobs while the config service, which alone decides, disables them (it reads the
 * GONE result from the delivery log). Once that change reaches the matchers, jobs carry the new
 * state and revision, so an entry is needed only for a while: entries expire, and the oldest go
 * first when the set is full.
 */
export class GoneCallbacks {
  /** callback id → the revision answered 410 and when; in insertion order, oldest first. */
  private readonly entries = new Map<string, { revision: number; at: number }>();

  constructor(
    private readonly limits: { maxEntries: number; ttlMs: number } = { maxEntries: 10_000, ttlMs: 3_600_000 },
  ) {}

  remember(callbackId: string, revision: number, now: number): void {
    this.entries.delete(callbackId);
    this.entries.set(callbackId, { revision, at: now });
    this.prune(now);
  }

  /** Whether a job of this callback revision must not be sent: its receiver answered 410 to it. */
  stops(callbackId: string, revision: number, now: number): boolean {
    const entry = this.entries.get(callbackId);
    if (!entry) return false;
    if (now - entry.at >= this.limits.ttlMs) {
      this.entries.delete(callbackId);
      return false;
    }
    return revision <= entry.revision;
  }

  get size(): number {
    return this.entries.size;
  }

  private prune(now: number): void {
    for (const [id, entry] of this.entries) {
      if (this.entries.size <= this.limits.maxEntries && now - entry.at < this.limits.ttlMs) break;
      this.entries.delete(id);
    }
  }
}
