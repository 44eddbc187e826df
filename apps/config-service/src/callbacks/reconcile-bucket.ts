import type { Logger } from '@callbacks/logger';
import type { CallbackBucket, CallbackRepository, RoundLease } from './ports';

export interface ReconcileReport {
  /** Callbacks in the database. */
  callbacks: number;
  /** Versions the bucket was missing or held older, written now. */
  written: number;
  /** Callbacks the bucket held but the database no longer has, deleted now. */
  deleted: number;
  ms: number;
}

/**
 * Makes the CALLBACKS bucket equal to the database, by revision: heals a change committed to
 * the database whose bucket write was lost (the service died in between, NATS was away). It
 * reads the whole bucket, then scans every callback's id and revision, and writes only what
 * differs. Never moves the bucket backwards: a newer version there stays, and a deletion there
 * stays (ids are never reused), so a scan that read a callback just before it was changed or
 * deleted cannot bring back the old version.
 */
export class ReconcileBucket {
  constructor(private readonly deps: { repository: CallbackRepository; bucket: CallbackBucket }) {}

  async execute(): Promise<ReconcileReport> {
    const started = Date.now();
    const { repository, bucket } = this.deps;
    const held = await bucket.states();
    const report = { callbacks: 0, written: 0, deleted: 0 };
    for await (const stored of repository.revisions()) {
      report.callbacks++;
      const state = held.get(stored.id);
      held.delete(stored.id);
      if (state && (state.deleted || state.revision >= stored.revision)) continue;
      const callback = await repository.findById(stored.id, '*');
      if (callback && (await bucket.put(callback)) === 'written') report.written++;
    }
    // What is left is in the bucket and was not in the scan.
    for (const state of held.values()) {
      if (state.deleted) continue;
      // Created after the scan passed its id? The database has it before the bucket does.
      if (await repository.findById(state.id, '*')) continue;
      await bucket.delete(state);
      report.deleted++;
    }
    return { ...report, ms: Date.now() - started };
  }
}

/**
 * Reconciles at start (every instance: it may be the one whose bucket write was lost) and every
 * interval (the instance that takes the round's lease); a failed round is logged and the next one
 * tries again.
 */
export class BucketReconciler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<ReconcileReport | undefined> | undefined;
  private lease: RoundLease | undefined;

  constructor(
    private readonly reconcile: ReconcileBucket,
    private readonly log: Logger,
  ) {}

  start(intervalMs: number, lease: RoundLease): void {
    this.lease = lease;
    this.timer = setInterval(() => void this.tick(), intervalMs);
    void this.runOnce();
  }

  /** The interval's round, if this instance takes it: its report, 'skipped', or undefined when it failed. */
  async tick(): Promise<ReconcileReport | 'skipped' | undefined> {
    let taken: boolean;
    try {
      taken = (await this.lease?.take()) ?? true;
    } catch (error) {
      this.log.warn({ err: error }, 'could not take the reconciliation round; reconciling anyway');
      taken = true;
    }
    if (!taken) {
      this.log.debug('another instance reconciles the callbacks bucket this interval');
      return 'skipped';
    }
    return this.runOnce();
  }

  /** One round (or the one under way); resolves with its report, undefined when it failed. */
  runOnce(): Promise<ReconcileReport | undefined> {
    this.running ??= this.round().finally(() => (this.running = undefined));
    return this.running;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private async round(): Promise<ReconcileReport | undefined> {
    try {
      const report = await this.reconcile.execute();
      const level = report.written + report.deleted > 0 ? 'warn' : 'info';
      this.log[level](
        report,
        report.written + report.deleted > 0
          ? 'callbacks bucket repaired from the database'
          : 'callbacks bucket matches the database',
      );
      return report;
    } catch (error) {
      this.log.warn(
        { err: error },
        'could not reconcile the callbacks bucket with the database; the next round tries again',
      );
      return undefined;
    }
  }
}
