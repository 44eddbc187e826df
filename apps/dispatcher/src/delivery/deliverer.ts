import { requestedDelivery, TokenBucket } from '@callbacks/domain';
import type { Logger } from '@callbacks/logger';
import { type AttemptResult, Outcome } from '@callbacks/proto/callbacks/delivery/v1/delivery_job';
import type { MessageTrace } from '@callbacks/telemetry';
import type { AttemptOutcome } from './attempt';
import { CircuitBreaker } from './circuit-breaker';
import { Deferrals, type DeferReason } from './deferrals';
import { GoneCallbacks } from './gone-callbacks';
import type { ReadyJob } from './job';
import type { RetryPolicy } from './retry-policy';

/** The transport's handle on a job message (JetStream in production). */
export interface HeldMessage {
  /** Still working on it: postpone redelivery. */
  working(): void;
  ack(): void;
  /** Give it back, to be delivered again after `delayMs` (to any instance). */
  nak(delayMs?: number): void;
}

export interface Work {
  job: ReadyJob;
  held: HeldMessage;
  endpoint: string;
  /**
   * The job message's trace: the work runs inside it (log lines carry its ids), and what the
   * attempt causes (the request, a retry, the result) continues it.
   */
  trace: MessageTrace;
  /**
   * Schedules attempt `attempt` of this job for `at` instead of `DelivererDeps.schedule`: an
   * ordered job is not queued again but stays first in its line, its turn passed on (see
   * nats/turn-consumer.ts).
   */
  reschedule?: (attempt: number, at: Date) => Promise<void>;
}

export interface DelivererDeps {
  attempt(job: ReadyJob, timeoutMs: number, trace: MessageTrace): Promise<AttemptOutcome>;
  /** Durably schedules attempt `attempt` of the job for `at` (a retry, or a deferral). */
  schedule(job: ReadyJob, attempt: number, at: Date, trace: MessageTrace): Promise<void>;
  /** Publishes an attempt's result for the delivery log. */
  report(result: AttemptResult, trace: MessageTrace): Promise<void>;
  log: Logger;
  now?: () => number;
  /** A number in [0, 1), to spread deferrals (Math.random by default). */
  random?: () => number;
}

export interface DelivererSettings {
  /** Requests in flight per endpoint when the callback sets none. */
  concurrency: number;
  maxConcurrency: number;
  timeoutMs: number;
  maxTimeoutMs: number;
  /** Most jobs waiting here per endpoint; beyond, new ones are deferred instead of held. */
  queueLimit: number;
  /**
   * How long a job may expect to wait here behind its endpoint's queue (judged by the rate the
   * endpoint completes attempts); a longer wait defers it instead. A fast endpoint may thus
   * queue many jobs, a hanging one only a few.
   */
  maxQueueWaitMs: number;
  /** An endpoint whose oldest attempt runs this long with none finishing is stalling. */
  stallMs: number;
  /**
   * How long a job given back while its endpoint's breaker is closed waits, give or take a
   * quarter (spread, so a burst given back does not come back all at once).
   */
  deferDelayMs: number;
  /**
   * Most of one endpoint's jobs due per second (per instance) when its breaker lets attempts
   * through again: jobs given back while it is open line up behind each other at this pace.
   */
  deferRate: number;
  breaker: { threshold: number; cooldownMs: number; maxCooldownMs: number };
  retry: RetryPolicy;
}

export interface EndpointState {
  endpoint: string;
  queued: number;
  active: number;
  breaker: string;
  /** Jobs it gave back since this instance knows it, by reason. */
  deferrals: Record<DeferReason, number>;
  /** Jobs it gave back that are not due yet: how many, the earliest and latest due time (ms). */
  deferred: { count: number; earliest: number; latest: number } | undefined;
}

export interface DelivererStats {
  attempts: number;
  succeeded: number;
  retrying: number;
  dead: number;
  gone: number;
  skipped: number;
  deferred: number;
  failures: number;
}

/** How many of an endpoint's latest attempt durations its pace is judged by. */
const DURATIONS_KEPT = 32;

/** A deferral while the breaker is closed is due after the defer delay times 1 ± this. */
export const DEFER_SPREAD = 0.25;

/** An endpoint stops deferring (and says so) once a second passes without a deferral. */
const DEFERRING_QUIET_MS = 1_000;

/** One receiver origin: its queue, limits, breaker, and the pace at which it completes attempts. */
/** Most callbacks whose requested limits one endpoint remembers. */
const MAX_CALLBACKS_PER_ENDPOINT = 1_000;

class Endpoint {
  readonly queue: Work[] = [];
  limit: number;
  readonly bucket: TokenBucket;
  readonly breaker: CircuitBreaker;
  wakeUp: NodeJS.Timeout | undefined;
  /** The attempts in flight, with their start times (in the order they started). */
  readonly running = new Map<Work, number>();

  get active(): number {
    return this.running.size;
  }
  /** How long the latest DURATIONS_KEPT attempts took (a ring, and its sum), for the endpoint's pace. */
  private readonly durations: number[] = [];
  private nextDuration = 0;
  private durationSum = 0;
  private lastCompletion = 0;
  /** When a job last came or an attempt last ended here. */
  lastActive: number;
  /** When the next job given back while the breaker is open is due: each lines up behind the last. */
  private lineEnd = 0;
  readonly deferrals = new Deferrals();
  /** Since when it has been giving jobs back (undefined: it is not), and how many since, by reason. */
  deferring: { since: number; counts: Partial<Record<DeferReason, number>> } | undefined;

  /**
   * What each callback to this origin asked for, most recent last. Limits protect the receiver,
   * so they are per origin: the strictest limit any of its callbacks sets applies, the default
   * only where none sets one, and a job of another callback never loosens it.
   */
  private readonly requests = new Map<
    string,
    { concurrency: number | undefined; requestsPerSecond: number | undefined }
  >();

  constructor(
    readonly key: string,
    private readonly defaultConcurrency: number,
    settings: DelivererSettings,
    now: () => number,
  ) {
    this.limit = defaultConcurrency;
    this.lastActive = now();
    this.bucket = new TokenBucket(0, now);
    this.breaker = new CircuitBreaker(
      settings.breaker.threshold,
      settings.breaker.cooldownMs,
      settings.breaker.maxCooldownMs,
      now,
    );
  }

  /**
   * Nothing here is worth remembering any more: no work, and idle long enough for its rate
   * limit's bucket to be full again (a second) and, if its breaker counts failures, for those to
   * be stale. The failures must outlive the gaps between jobs, or an endpoint that gets its jobs
   * one at a time would start afresh each time and never trip its breaker.
   */
  forgettable(settings: DelivererSettings, now: number): boolean {
    // Jobs it gave back are still due: a new line would not wait behind them, and operators
    // still see them in its gauges.
    if (this.active > 0 || this.queue.length > 0 || this.wakeUp || this.deferring || this.deferrals.waiting(now))
      return false;
    return now - this.lastActive >= (this.breaker.clean ? 1_000 : settings.breaker.maxCooldownMs);
  }

  /** Takes note of what a callback to this origin asks for, and applies the strictest request. */
  request(callbackId: string, asked: { concurrency: number | undefined; requestsPerSecond: number | undefined }): void {
    const known = this.requests.get(callbackId);
    if (known && known.concurrency === asked.concurrency && known.requestsPerSecond === asked.requestsPerSecond) return;
    this.requests.delete(callbackId);
    this.requests.set(callbackId, asked);
    // Bounded: the callbacks heard from longest ago go first.
    for (const id of this.requests.keys()) {
      if (this.requests.size <= MAX_CALLBACKS_PER_ENDPOINT) break;
      this.requests.delete(id);
    }
    const strictest = (values: (number | undefined)[]) =>
      Math.min(...values.filter((value): value is number => value !== undefined));
    const all = [...this.requests.values()];
    const concurrency = strictest(all.map((r) => r.concurrency));
    const rate = strictest(all.map((r) => r.requestsPerSecond));
    this.limit = Number.isFinite(concurrency) ? concurrency : this.defaultConcurrency;
    this.bucket.setRate(Number.isFinite(rate) ? rate : 0);
  }

  /** When a job given back now is due: `earliest`, or behind the line, then `spacingMs` on. */
  lineUp(earliest: number, spacingMs: number): number {
    const at = Math.max(earliest, this.lineEnd);
    this.lineEnd = at + spacingMs;
    return at;
  }

  completed(now: number, durationMs: number): void {
    this.durationSum += durationMs - (this.durations[this.nextDuration] ?? 0);
    this.durations[this.nextDuration] = durationMs;
    this.nextDuration = (this.nextDuration + 1) % DURATIONS_KEPT;
    this.lastCompletion = now;
    this.lastActive = now;
  }

  /**
   * How many jobs may wait here, and what limits that. An endpoint that stalls (its oldest
   * attempt has run for `stallMs` with nothing finishing meanwhile) gets two rounds of its
   * concurrency, and `shed` gives the rest back. Otherwise it may queue what it finishes within
   * `maxQueueWaitMs` at its recent pace (set by its rate limit or by its attempts' durations),
   * or, without a pace yet, the benefit of the doubt. Never more than `queueLimit`.
   */
  room(settings: DelivererSettings, now: number): { allowed: number; reason: DeferReason } {
    if (this.stalling(settings, now))
      return { allowed: Math.min(settings.queueLimit, 2 * this.limit), reason: 'stalled' };
    const pace = this.pace();
    if (pace === 0) return { allowed: settings.queueLimit, reason: 'queue_full' };
    const allowed = Math.min(settings.queueLimit, Math.max(4 * this.limit, Math.floor(settings.maxQueueWaitMs / pace)));
    const byRate = allowed < settings.queueLimit && pace === this.bucket.intervalMs;
    return { allowed, reason: byRate ? 'rate_limit' : 'queue_full' };
  }

  private stalling(settings: DelivererSettings, now: number): boolean {
    const oldest = this.running.values().next().value;
    if (oldest === undefined) return false;
    return now - oldest > settings.stallMs && now - this.lastCompletion > settings.stallMs;
  }

  /**
   * Milliseconds per attempt it completes when busy: its recent attempts' mean duration shared
   * among its concurrency, or its rate limit's interval if that is longer; 0 while too few
   * attempts have completed to tell. Durations rather than the times between completions, so
   * that the time an endpoint sat idle never counts as slowness.
   */
  pace(): number {
    if (this.durations.length < 8) return 0;
    return Math.max(this.durationSum / this.durations.length / this.limit, this.bucket.intervalMs);
  }
}

/**
 * Delivers jobs while protecting receivers (SPEC §7.4–7.5): each endpoint (URL origin) has its
 * own queue, concurrency limit, optional rate limit and circuit breaker, so a slow or failing
 * endpoint only ever delays itself. Jobs an endpoint cannot take now (breaker open, queue full)
 * are deferred — scheduled again and acknowledged — instead of held, and retries wait as
 * scheduled messages in the stream, never in this process or the consumer's ack window.
 */
export class Deliverer {
  private readonly endpoints = new Map<string, Endpoint>();
  private readonly inFlight = new Set<Work>();
  /** Jobs in the endpoints' queues, all together. */
  private queued = 0;
  /** Callbacks whose receiver answered 410: not sent to until the config service disables them. */
  private readonly gone = new GoneCallbacks();
  private readonly now: () => number;
  private readonly random: () => number;
  private accepting = true;
  private idleWaiters: (() => void)[] = [];
  private roomWaiters: (() => void)[] = [];
  readonly stats: DelivererStats = {
    attempts: 0,
    succeeded: 0,
    retrying: 0,
    dead: 0,
    gone: 0,
    skipped: 0,
    deferred: 0,
    failures: 0,
  };

  constructor(
    private readonly deps: DelivererDeps,
    private readonly settings: DelivererSettings,
  ) {
    this.now = deps.now ?? Date.now;
    this.random = deps.random ?? Math.random;
  }

  /** Jobs held right now (queued or in flight), to keep their messages from being redelivered. */
  *held(): Iterable<Work> {
    for (const endpoint of this.endpoints.values()) {
      yield* endpoint.queue;
    }
    yield* this.inFlight;
  }

  /** Resolves when a held job has been let go (for a consumer that pauses when full). */
  roomFreed(): Promise<void> {
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  private released(): void {
    for (const resolve of this.roomWaiters.splice(0)) resolve();
    if (this.inFlight.size === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  get heldCount(): number {
    return this.inFlight.size + this.queued;
  }

  /**
   * Per endpoint: queue and in-flight counts, breaker state, the jobs it gave back by reason,
   * and those still waiting to be due (how many, the earliest and latest due time), for metrics.
   */
  endpointStates(): EndpointState[] {
    const now = this.now();
    return [...this.endpoints].map(([endpoint, e]) => ({
      endpoint,
      queued: e.queue.length,
      active: e.active,
      breaker: e.breaker.state,
      deferrals: { ...e.deferrals.counts },
      deferred: e.deferrals.waiting(now),
    }));
  }

  submit(work: Work): void {
    const { job } = work;
    if (!this.accepting) return work.held.nak();
    if (job.skipped)
      return void this.finishUnsent(
        work,
        Outcome.SKIPPED,
        'skipped',
        'the callback was disabled when the event matched',
      );
    if (this.gone.stops(job.callback.id, job.callback.revision, this.now())) {
      return void this.finishUnsent(
        work,
        Outcome.GONE,
        'gone',
        'not sent: the receiver answered 410 Gone earlier and the callback is disabled',
      );
    }
    const endpoint = this.endpointFor(work);
    if (endpoint.breaker.state === 'open') return void this.giveBack(endpoint, work, 'breaker_open');
    const room = endpoint.room(this.settings, this.now());
    if (endpoint.queue.length >= room.allowed) return void this.giveBack(endpoint, work, room.reason);
    endpoint.queue.push(work);
    endpoint.lastActive = this.now();
    this.queued++;
    this.pump(endpoint);
  }

  /**
   * Gives back the queue tail of endpoints that turned out slow (a receiver that started
   * hanging after its jobs were queued), so they hold no more of the window than they earn,
   * notes endpoints that stopped deferring, and forgets endpoints with nothing left worth
   * remembering. Called about once a second.
   */
  shed(): void {
    const now = this.now();
    let shed = 0;
    for (const endpoint of this.endpoints.values()) {
      this.noteQuiet(endpoint, now);
      if (endpoint.forgettable(this.settings, now)) {
        this.endpoints.delete(endpoint.key);
        continue;
      }
      // The tail goes back, in its order.
      const room = endpoint.room(this.settings, now);
      for (const work of endpoint.queue.splice(room.allowed)) {
        this.queued--;
        void this.giveBack(endpoint, work, room.reason);
        shed++;
      }
    }
    if (shed > 0) this.released();
  }

  /** Stops taking jobs, gives queued ones back for other instances, waits for those in flight. */
  async drain(): Promise<void> {
    this.accepting = false;
    for (const endpoint of this.endpoints.values()) {
      clearTimeout(endpoint.wakeUp);
      for (const work of endpoint.queue.splice(0)) work.held.nak();
    }
    this.queued = 0;
    if (this.inFlight.size > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private endpointFor(work: Work): Endpoint {
    let endpoint = this.endpoints.get(work.endpoint);
    if (!endpoint) {
      endpoint = new Endpoint(work.endpoint, this.settings.concurrency, this.settings, this.now);
      this.endpoints.set(work.endpoint, endpoint);
    }
    const { concurrency, requestsPerSecond } = requestedDelivery(work.job.callback.deliveryPolicy, this.settings);
    endpoint.request(work.job.callback.id, { concurrency, requestsPerSecond });
    return endpoint;
  }

  private pump(endpoint: Endpoint): void {
    while (this.accepting && endpoint.active < endpoint.limit && endpoint.queue.length > 0) {
      const state = endpoint.breaker.state;
      if (state === 'open') {
        // Everything waiting goes back to the stream until the endpoint may be tried again.
        this.queued -= endpoint.queue.length;
        for (const work of endpoint.queue.splice(0)) void this.giveBack(endpoint, work, 'breaker_open');
        this.released();
        return;
      }
      if (state === 'half_open' && endpoint.active > 0) return; // the probe decides
      const wait = endpoint.bucket.take();
      if (wait > 0) {
        endpoint.wakeUp ??= setTimeout(() => {
          endpoint.wakeUp = undefined;
          this.pump(endpoint);
        }, wait);
        return;
      }
      if (!endpoint.breaker.tryAcquire()) return;
      const work = endpoint.queue.shift();
      if (!work) return;
      this.queued--;
      endpoint.running.set(work, this.now()); // in flight from here: counts against the limit at once
      this.inFlight.add(work);
      void work.trace.run(() => this.run(endpoint, work));
    }
  }

  private async run(endpoint: Endpoint, work: Work): Promise<void> {
    const { job } = work;
    const { timeoutMs } = requestedDelivery(job.callback.deliveryPolicy, this.settings);
    this.stats.attempts++;
    const outcome = await this.deps.attempt(job, timeoutMs, work.trace);
    const now = this.now();
    endpoint.completed(now, now - (endpoint.running.get(work) ?? now));
    endpoint.running.delete(work);
    if (outcome.verdict === 'succeeded') endpoint.breaker.succeeded();
    else if (outcome.unhealthy) endpoint.breaker.failed();
    else endpoint.breaker.released();
    this.pump(endpoint);
    try {
      await this.finish(work, outcome);
    } finally {
      this.inFlight.delete(work);
      this.released();
    }
  }

  private async finish(work: Work, outcome: AttemptOutcome): Promise<void> {
    const { job, trace } = work;
    try {
      if (outcome.verdict === 'succeeded') {
        await this.deps.report(attemptResult(job, this.now(), Outcome.SUCCEEDED, outcome), trace);
        this.stats.succeeded++;
      } else if (outcome.verdict === 'gone') {
        // The GONE result is what disables the callback (the config service decides); meanwhile
        // this dispatcher stops sending to it.
        this.gone.remember(job.callback.id, job.callback.revision, this.now());
        await this.deps.report(attemptResult(job, this.now(), Outcome.GONE, outcome), trace);
        this.stats.gone++;
      } else {
        const delay = this.settings.retry.delayAfter(job.attempt, outcome.retryAfterMs);
        if (delay === undefined) {
          await this.deps.report(attemptResult(job, this.now(), Outcome.DEAD, outcome), trace);
          this.stats.dead++;
        } else {
          const at = new Date(this.now() + delay);
          await this.schedule(work, job.attempt + 1, at);
          const result = attemptResult(job, this.now(), Outcome.RETRYING, outcome);
          result.nextAttemptAt = at;
          await this.deps.report(result, trace);
          this.stats.retrying++;
        }
      }
      work.held.ack();
    } catch (error) {
      // The attempt is done but its outcome could not be recorded: let the job come back. The
      // receiver may see this attempt again, with the same idempotency key.
      this.stats.failures++;
      this.deps.log.warn(
        { err: error, delivery_id: job.deliveryId, attempt: job.attempt },
        'could not record an attempt; the job will be retried',
      );
      work.held.nak(5_000);
    }
  }

  private async finishUnsent(work: Work, outcome: Outcome, errorClass: string, message: string): Promise<void> {
    try {
      await this.deps.report(
        {
          ...attemptResult(work.job, this.now(), outcome, undefined),
          errorClass,
          errorMessage: message,
        },
        work.trace,
      );
      if (outcome === Outcome.SKIPPED) this.stats.skipped++;
      else this.stats.gone++;
      work.held.ack();
    } catch (error) {
      this.stats.failures++;
      this.deps.log.warn(
        { err: error, delivery_id: work.job.deliveryId },
        'could not record an unsent delivery; it will be retried',
      );
      work.held.nak(5_000);
    }
  }

  /**
   * Defers a job the endpoint cannot take now. While its breaker is closed, the job is due
   * again after about `deferDelayMs` (spread) and judged afresh then. No forecast of when the
   * endpoint will have room goes into a schedule: a schedule cannot be brought forward, and a
   * pace measured in one slow round (a receiver's hiccup) would leave the endpoint idle, its
   * jobs waiting for minutes, once it recovers. While its breaker is open or probing, the job
   * lines up behind the endpoint's other deferred jobs, from when the breaker lets an attempt
   * through (or after the defer delay while a probe decides), at most `deferRate` a second: a
   * breaker letting an attempt through does not bring the whole line back at once.
   */
  private giveBack(endpoint: Endpoint, work: Work, reason: DeferReason): Promise<void> {
    const now = this.now();
    const state = endpoint.breaker.state;
    const later = now + this.settings.deferDelayMs * (1 - DEFER_SPREAD + 2 * DEFER_SPREAD * this.random());
    // How fast it failed says nothing about how fast it will take jobs once it recovers.
    const at =
      state === 'closed'
        ? later
        : endpoint.lineUp(state === 'open' ? endpoint.breaker.retryAt : later, 1_000 / this.settings.deferRate);
    this.noteDeferral(endpoint, reason, now, at);
    // Also called while another job's work is in hand (a breaker opening): inside this job's trace.
    return work.trace.run(() => this.deferNow(work, at));
  }

  private noteDeferral(endpoint: Endpoint, reason: DeferReason, now: number, at: number): void {
    endpoint.deferrals.add(reason, now, at);
    if (endpoint.deferring) {
      endpoint.deferring.counts[reason] = (endpoint.deferring.counts[reason] ?? 0) + 1;
      return;
    }
    endpoint.deferring = { since: now, counts: { [reason]: 1 } };
    this.deps.log.info(
      {
        endpoint: endpoint.key,
        reason,
        breaker: endpoint.breaker.state,
        queued: endpoint.queue.length,
        in_flight: endpoint.active,
        due_at: new Date(at).toISOString(),
      },
      'endpoint started deferring jobs',
    );
  }

  /** An endpoint that gave nothing back for a while, its breaker not open, has stopped deferring. */
  private noteQuiet(endpoint: Endpoint, now: number): void {
    const { deferring } = endpoint;
    if (!deferring || now - endpoint.deferrals.last < DEFERRING_QUIET_MS || endpoint.breaker.state === 'open') return;
    endpoint.deferring = undefined;
    const waiting = endpoint.deferrals.waiting(now);
    this.deps.log.info(
      {
        endpoint: endpoint.key,
        deferred: deferring.counts,
        deferring_ms: endpoint.deferrals.last - deferring.since,
        latest_due_at: waiting && new Date(waiting.latest).toISOString(),
      },
      'endpoint stopped deferring jobs',
    );
  }

  private async deferNow(work: Work, at: number): Promise<void> {
    try {
      await this.schedule(work, work.job.attempt, new Date(at));
      this.stats.deferred++;
      work.held.ack();
    } catch (error) {
      this.stats.failures++;
      this.deps.log.warn({ err: error, delivery_id: work.job.deliveryId }, 'could not defer a job; it will come back');
      work.held.nak(Math.max(1_000, at - this.now()));
    }
  }

  private schedule(work: Work, attempt: number, at: Date): Promise<void> {
    return work.reschedule ? work.reschedule(attempt, at) : this.deps.schedule(work.job, attempt, at, work.trace);
  }
}

/**
 * The delivery log's record of one attempt (or of a job not sent, without `attempt`): the job's
 * ids and event, the outcome, and what the receiver answered.
 */
export function attemptResult(
  job: ReadyJob,
  now: number,
  outcome: Outcome,
  attempt: AttemptOutcome | undefined,
): AttemptResult {
  const ms = attempt?.durationMs ?? 0;
  return {
    deliveryId: job.deliveryId,
    accountId: job.callback.accountId,
    callbackId: job.callback.id,
    eventId: job.event.eventId,
    attempt: job.attempt,
    outcome,
    startedAt: attempt?.startedAt ?? new Date(now),
    duration: { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 },
    statusCode: attempt?.statusCode ?? 0,
    errorClass: attempt?.errorClass ?? '',
    errorMessage: attempt?.errorMessage ?? '',
    responseExcerpt: attempt?.excerpt ?? '',
    nextAttemptAt: undefined,
    replayOf: job.replayOf,
    matchedAt: job.matchedAt,
    callbackRevision: job.callback.revision,
    event: job.event,
  };
}
