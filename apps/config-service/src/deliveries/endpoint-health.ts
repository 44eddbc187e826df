import { InvalidArgumentError, RevisionConflictError } from '@callbacks/domain';
import type { Logger } from '@callbacks/logger';
import { type AttemptResult, Outcome } from '@callbacks/proto/callbacks/delivery/v1/delivery_job';
import { Callback, CallbackState } from '@callbacks/proto/callbacks/v1/callback';
import { SERVICE_PRINCIPAL } from '../auth/tokens';
import type { CallbackRepository, Clock } from '../callbacks/ports';
import type { UpdateCallback } from '../callbacks/update-callback';
import type { EndpointHealthStore } from './ports';

/** Tries before giving up when the callback keeps changing between our read and our write. */
const DISABLE_TRIES = 3;

/** Error classes that are our failure, not the endpoint's: they never count against it. */
const OWN_FAILURES = new Set(['signing']);

export interface EndpointHealthDeps {
  store: EndpointHealthStore;
  repository: CallbackRepository;
  /** State changes go through UpdateCallback, so revisions and the CALLBACKS bucket stay as for any update. */
  update: UpdateCallback;
  /** Only failures for this long disable a callback (DISABLED_FAILING). */
  failingPeriodMs: number;
  clock: Clock;
  log: Logger;
}

/**
 * Endpoint health from attempt results (SPEC §7.5): a callback whose attempts have only failed
 * for the failing period is disabled (DISABLED_FAILING); 410 Gone disables it (DISABLED_GONE,
 * which the dispatcher sets too: this is the backstop). Times are the attempts' own, so a backlog
 * of results recorded late judges the endpoint as it was, not as of now.
 */
export class EndpointHealth {
  constructor(private readonly deps: EndpointHealthDeps) {}

  /**
   * Applies a batch of results, callbacks side by side. Of a callback's successes only the latest
   * tells anything, and it is applied first: a failure before it is then judged as one the
   * callback has recovered from. Of its failures, two do (see observeFailures).
   */
  async observe(results: readonly AttemptResult[]): Promise<void> {
    const byCallback = new Map<string, AttemptResult[]>();
    for (const result of results) {
      const list = byCallback.get(result.callbackId);
      if (list) list.push(result);
      else byCallback.set(result.callbackId, [result]);
    }
    await Promise.all(
      [...byCallback].map(async ([callbackId, list]) => {
        const successes = list
          .filter((result) => result.outcome === Outcome.SUCCEEDED)
          .map((result) => this.timeOf(result).getTime());
        if (successes.length > 0) await this.deps.store.succeeded(callbackId, new Date(Math.max(...successes)));
        for (const result of list) if (result.outcome === Outcome.GONE) await this.observeGone(result);
        const failures = list.filter(
          (r) => (r.outcome === Outcome.RETRYING || r.outcome === Outcome.DEAD) && !OWN_FAILURES.has(r.errorClass),
        );
        await this.observeFailures(
          callbackId,
          failures.sort((a, b) => this.timeOf(a).getTime() - this.timeOf(b).getTime()),
        );
      }),
    );
  }

  private timeOf(result: AttemptResult): Date {
    return result.startedAt ?? this.deps.clock();
  }

  private async observeGone(result: AttemptResult): Promise<void> {
    // Only an answer disables. A job the dispatcher did not send, because an earlier revision of
    // the callback was answered 410, is recorded GONE too (status 0): were it to count, a retry
    // from before the user enabled the callback again would disable it again.
    if (result.statusCode !== 410) return;
    await this.disable(
      result.callbackId,
      CallbackState.DISABLED_GONE,
      this.timeOf(result),
      `the receiver answered 410 Gone (delivery ${result.deliveryId})`,
    );
  }

  /**
   * A callback's failures of one batch, oldest first (our own, such as signing, never count).
   * Two of them tell anything: the oldest after its last success, which starts or continues its
   * failing period, and the newest, which decides whether that period is long enough; those in
   * between change neither. So the store hears of those two (and of any older than the last
   * success, which it ignores), not of a failing endpoint's every result.
   */
  private async observeFailures(callbackId: string, failures: readonly AttemptResult[]): Promise<void> {
    let since: Date | undefined;
    let next = 0;
    for (const failure of failures) {
      next++;
      since = await this.deps.store.failed(callbackId, this.timeOf(failure));
      if (since !== undefined) break;
    }
    const newest = failures.at(-1);
    if (since === undefined || newest === undefined) return;
    const at = this.timeOf(newest);
    if (next < failures.length) since = (await this.deps.store.failed(callbackId, at)) ?? since;
    if (at.getTime() - since.getTime() < this.deps.failingPeriodMs) return;
    const latest = newest.statusCode > 0 ? `HTTP ${newest.statusCode}` : newest.errorClass || 'an error';
    const reason = `every attempt failed since ${since.toISOString()} (the latest: ${latest}); fix the receiver, enable the callback and replay its dead and skipped deliveries`;
    await this.disable(callbackId, CallbackState.DISABLED_FAILING, at, reason, since);
  }

  private async disable(
    callbackId: string,
    state: CallbackState,
    at: Date,
    reason: string,
    failingSince?: Date,
  ): Promise<void> {
    for (let attempt = 1; attempt <= DISABLE_TRIES; attempt++) {
      const current = await this.deps.repository.findById(callbackId, '*');
      if (!current || !this.shouldDisable(current, state, at, failingSince)) return;
      try {
        await this.deps.update.execute(SERVICE_PRINCIPAL, {
          callback: Callback.fromPartial({ id: callbackId, state, stateReason: reason }),
          updateMask: ['state', 'state_reason'],
          expectedRevision: current.revision,
        });
        this.deps.log.warn(
          { callback_id: callbackId, account_id: current.accountId, state: CallbackState[state], reason },
          'callback disabled',
        );
        // Enabled again, it gets a whole failing period before it is disabled again.
        if (state === CallbackState.DISABLED_FAILING) await this.deps.store.restart(callbackId);
        return;
      } catch (error) {
        if (error instanceof RevisionConflictError) continue; // changed meanwhile: judge it again
        if (error instanceof InvalidArgumentError) {
          // Not for what it was saved with (an update is judged on the fields it changes), so
          // the state itself was refused: say so rather than fail the whole batch.
          this.deps.log.error(
            { callback_id: callbackId, violations: error.violations, state: CallbackState[state] },
            'cannot disable a callback that no longer validates',
          );
          return;
        }
        throw error;
      }
    }
    this.deps.log.warn(
      { callback_id: callbackId, tries: DISABLE_TRIES },
      'did not disable a callback: it kept changing meanwhile; the next failure tries again',
    );
  }

  /**
   * Only what happened after the callback's last state change counts: a redelivered old 410, or
   * failures from before a user enabled it again, must not disable it again.
   */
  private shouldDisable(callback: Callback, state: CallbackState, at: Date, failingSince: Date | undefined): boolean {
    const changed = (callback.stateChangeTime ?? callback.createTime ?? new Date(0)).getTime();
    if (state === CallbackState.DISABLED_GONE)
      return callback.state !== CallbackState.DISABLED_GONE && at.getTime() >= changed;
    if (callback.state !== CallbackState.ACTIVE || failingSince === undefined) return false;
    return at.getTime() - Math.max(failingSince.getTime(), changed) >= this.deps.failingPeriodMs;
  }
}
