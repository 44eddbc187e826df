import type { Logger } from '@callbacks/logger';

/** An ordered callback's job for one event: the line it joins and how to put it there. */
export interface OrderedJob {
  /** The line's key: one callback and one profile or subprofile. */
  line: string;
  /** Appends the job to its line; resolves once the stream has stored it. */
  publish(): Promise<unknown>;
}

/**
 * The events consumer's ack floor: the stream sequence up to which every event has been
 * acknowledged or terminated (by any matcher instance).
 */
export type ReadAckFloor = () => Promise<number>;

/**
 * Tells the other instances that this one holds event `seq`, whose ordered jobs join the lines
 * hashed `lines` (lineHash); at most once (a lost notice only makes their jobs wait longer).
 */
export type AnnounceHeld = (seq: number, lines: readonly number[]) => void;

/** The jobs of an event were given back before they were stored (the matcher is stopping). */
export class OrderedJobsAbandoned extends Error {
  override readonly name = 'OrderedJobsAbandoned';
}

/** The least time between two reads of the ack floor while jobs wait on other instances' events. */
const FLOOR_READ_INTERVAL_MS = 5;
/** Jobs blocked this long are worth a warning: another instance may have died holding events. */
const LONG_WAIT_MS = 5_000;
/** How long after its last ordered job an instance still tells the others which events it holds. */
const ANNOUNCE_FOR_MS = 10 * 60_000;

interface HeldEvent {
  seq: number;
  jobs: Waiter[];
  /** Jobs not stored yet. */
  left: number;
  failed: boolean;
  resolve(): void;
  reject(error: Error): void;
}

interface Waiter {
  event: HeldEvent;
  job: OrderedJob;
}

interface Line {
  hash: number;
  /** Jobs waiting, by event sequence; the first is the only one that may be publishing. */
  queue: Waiter[];
  publishing: boolean;
}

/** This instance's event, all of whose ordered jobs are stored. */
const DONE = 'done';
/** Another instance's event, whose ordered jobs join the lines listed in `elsewhere`. */
const ELSEWHERE = 'elsewhere';

/** FNV-1a: a line's key in 32 bits for the notices between instances (a collision only makes a job wait). */
export function lineHash(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/**
 * Puts ordered callbacks' jobs into their lines in event order, whichever matcher instance
 * matched each event (SPEC §8a). Events are spread over instances and handled concurrently, and a
 * failed or crashed instance's events come back later, so the order in which jobs reach their
 * line must be enforced here: the job of event `s` is published only once every earlier event's
 * job for the same line is stored. That holds when every event before `s` is either
 *
 * - at or below the events consumer's ack floor (a matcher acknowledges an event only after all
 *   its jobs are stored, and terminates only events that have none), or
 * - in this instance's hands, with no job for the line still to store before `s`.
 *
 * - in another instance's hands with no job for the line: each instance tells the others which
 *   events it takes and the lines of their ordered jobs as soon as it has matched them.
 *
 * Other events (one another instance holds with a job for the line, or one not heard of) wait
 * for the ack floor, read while jobs wait. A job waits for earlier events only, never for later ones, so the lowest unfinished
 * event can always go on and nothing deadlocks; if the instance holding it dies, the wait ends
 * when the event is redelivered (the consumer's ack wait). Waiting jobs hold no handler slot, so
 * the events they wait for are taken in meanwhile.
 */
export class OrderedLines {
  /** Every event up to here has all its jobs stored. */
  private floor = 0;
  /** Every event in (floor, reach] is in `held`. */
  private reach = 0;
  /** Events above the floor known while jobs wait: this instance's (done, or with jobs to store) or another's. */
  private readonly held = new Map<number, HeldEvent | typeof DONE | typeof ELSEWHERE>();
  /** Other instances' events above the floor with a job for a line, by line hash. */
  private readonly elsewhere = new Map<number, number[]>();
  /** First jobs of lines that wait for another instance's earlier job of the same line (some may be stale). */
  private readonly behindElsewhere = new Set<Waiter>();
  private lastJobsAt = Number.NEGATIVE_INFINITY;
  private readonly lines = new Map<string, Line>();
  /** First jobs of lines that wait for events this instance does not hold (some may be stale). */
  private readonly blocked = new Set<Waiter>();
  /** At most the lowest event sequence in `blocked` (Infinity when it is empty). */
  private lowestBlocked = Infinity;
  /** Jobs not yet stored. */
  private waitingJobs = 0;
  private reading = false;
  private abandoned = false;
  private blockedSince: number | undefined;

  constructor(
    private readonly readAckFloor: ReadAckFloor,
    private readonly log: Logger,
    private readonly announce: AnnounceHeld = () => undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** Jobs waiting to be stored (a gauge). */
  get waiting(): number {
    return this.waitingJobs;
  }

  /**
   * Takes an event's ordered jobs (none, for an event that has none: it still counts as one this
   * instance holds) and resolves once all of them are stored, or rejects with the first failure;
   * the event must then be handed back (nak) for another try. An event is submitted once matched,
   * before it is acknowledged; one taken but not submitted yet only makes later jobs wait longer.
   */
  submit(seq: number, jobs: readonly OrderedJob[]): Promise<void> {
    if (jobs.length > 0) this.lastJobsAt = this.now();
    // Only while ordered callbacks are about: otherwise nobody waits, and nothing is sent.
    if (this.now() - this.lastJobsAt < ANNOUNCE_FOR_MS)
      this.announce(
        seq,
        jobs.map((job) => lineHash(job.line)),
      );
    if (jobs.length === 0) {
      // With nothing waiting, nobody needs to know about this event.
      if (this.waitingJobs > 0 && seq > this.floor && !this.held.has(seq)) {
        this.held.set(seq, DONE);
        this.moveOn();
      }
      return Promise.resolve();
    }
    if (this.abandoned) return Promise.reject(new OrderedJobsAbandoned('the matcher is stopping'));
    return new Promise<void>((resolve, reject) => {
      const event: HeldEvent = { seq, jobs: [], left: jobs.length, failed: false, resolve, reject };
      if (seq > this.floor) this.held.set(seq, event);
      this.waitingJobs += jobs.length;
      const heads: Line[] = [];
      for (const job of jobs) {
        const waiter = { event, job };
        event.jobs.push(waiter);
        const line = this.lineOf(job.line);
        if (insertInOrder(line, waiter) === 0) heads.push(line);
      }
      this.moveOn();
      for (const line of heads) this.startHead(line);
    });
  }

  /** Another instance holds event `seq`, whose ordered jobs join the lines hashed `lines`. */
  heldElsewhere(seq: number, lines: readonly number[]): void {
    // With nothing waiting, nobody needs to know; an event this instance holds is known better.
    if (this.waitingJobs === 0 || seq <= this.floor || this.held.has(seq)) return;
    this.held.set(seq, ELSEWHERE);
    for (const hash of lines) {
      const seqs = this.elsewhere.get(hash);
      if (seqs) seqs.push(seq);
      else this.elsewhere.set(hash, [seq]);
    }
    this.moveOn();
  }

  /**
   * Gives back every event whose jobs have not started publishing (they reject with
   * OrderedJobsAbandoned), for a matcher that stops: what they wait for may never come to a
   * stopping instance. Jobs being published finish.
   */
  abandon(): void {
    this.abandoned = true;
    const events = new Set<HeldEvent>();
    for (const line of this.lines.values())
      line.queue.forEach((waiter, at) => {
        if (at > 0 || !line.publishing) events.add(waiter.event);
      });
    for (const event of events) this.fail(event, new OrderedJobsAbandoned('the matcher is stopping'));
  }

  private lineOf(key: string): Line {
    let line = this.lines.get(key);
    if (!line) {
      line = { hash: lineHash(key), queue: [], publishing: false };
      this.lines.set(key, line);
    }
    return line;
  }

  /** Publishes the line's first job if nothing it waits for is missing; otherwise waits for the floor. */
  private startHead(line: Line): void {
    const head = line.queue[0];
    if (!head || line.publishing || this.abandoned) return;
    if (head.event.seq - 1 > this.reach) {
      this.blocked.add(head);
      this.lowestBlocked = Math.min(this.lowestBlocked, head.event.seq);
      void this.readFloor();
      return;
    }
    if (this.elsewhere.get(line.hash)?.some((seq) => seq > this.floor && seq < head.event.seq)) {
      this.behindElsewhere.add(head);
      void this.readFloor();
      return;
    }
    line.publishing = true;
    head.job.publish().then(
      () => this.published(line, head),
      (error: unknown) => this.published(line, head, error instanceof Error ? error : new Error(String(error))),
    );
  }

  /** The line's first job is stored, or failed (`error`). */
  private published(line: Line, waiter: Waiter, error?: Error): void {
    line.publishing = false;
    line.queue.shift();
    const { event } = waiter;
    if (!event.failed) {
      this.waitingJobs--;
      if (error) this.fail(event, error);
      else if (--event.left === 0) {
        if (this.held.get(event.seq) === event) this.held.set(event.seq, DONE);
        event.resolve();
      }
    }
    this.forgetIfEmpty(waiter.job.line, line);
    this.moveOn();
    this.startHead(line);
  }

  /** Drops an event's jobs that are not stored, and hands the event back to its caller. */
  private fail(event: HeldEvent, error: Error): void {
    if (event.failed) return;
    event.failed = true;
    const heads: [string, Line][] = [];
    for (const waiter of event.jobs) {
      const line = this.lines.get(waiter.job.line);
      const at = line ? line.queue.indexOf(waiter) : -1;
      if (!line || at < 0) continue; // settled already
      this.waitingJobs--;
      if (at === 0 && line.publishing) continue; // `published` takes it out of the line
      line.queue.splice(at, 1);
      if (at === 0) heads.push([waiter.job.line, line]);
    }
    // The event is no longer in hand: later jobs wait until it comes back and its jobs are stored.
    if (this.held.get(event.seq) === event) {
      this.held.delete(event.seq);
      if (event.seq <= this.reach) this.reach = event.seq - 1;
    }
    event.reject(error);
    for (const [key, line] of heads) {
      this.forgetIfEmpty(key, line);
      this.startHead(line);
    }
    this.moveOn();
  }

  private forgetIfEmpty(key: string, line: Line): void {
    if (line.queue.length === 0 && !line.publishing) this.lines.delete(key);
  }

  /** Raises the floor and the reach as far as what is known allows, and starts the heads this frees. */
  private moveOn(floor = this.floor): void {
    const before = this.floor;
    if (floor > this.floor) {
      for (const seq of this.held.keys()) if (seq <= floor) this.held.delete(seq);
      this.floor = floor;
    }
    while (this.held.get(this.floor + 1) === DONE) this.held.delete(++this.floor);
    if (this.reach < this.floor) this.reach = this.floor;
    while (this.held.has(this.reach + 1)) this.reach++;
    if (this.waitingJobs === 0) {
      // Nothing waits: what is held here or elsewhere matters to no one until a job comes again.
      this.held.clear();
      this.elsewhere.clear();
      this.reach = this.floor;
    }
    if (this.floor > before) {
      for (const [hash, seqs] of this.elsewhere) {
        const above = seqs.filter((seq) => seq > this.floor);
        if (above.length === 0) this.elsewhere.delete(hash);
        else if (above.length < seqs.length) this.elsewhere.set(hash, above);
      }
      for (const waiter of [...this.behindElsewhere]) {
        this.behindElsewhere.delete(waiter);
        const line = this.lineHeadedBy(waiter);
        if (line) this.startHead(line);
      }
    }
    if (this.lowestBlocked - 1 <= this.reach) this.unblock();
  }

  /** Starts the blocked first jobs that wait no more, and drops the stale ones. */
  private unblock(): void {
    this.lowestBlocked = Infinity;
    for (const waiter of [...this.blocked]) {
      const line = this.lineHeadedBy(waiter);
      if (!line) this.blocked.delete(waiter);
      else if (waiter.event.seq - 1 <= this.reach) {
        this.blocked.delete(waiter);
        this.startHead(line);
      } else this.lowestBlocked = Math.min(this.lowestBlocked, waiter.event.seq);
    }
  }

  /** The line `waiter` is the first of, not yet publishing; undefined once it published, failed or lost its place. */
  private lineHeadedBy(waiter: Waiter): Line | undefined {
    const line = this.lines.get(waiter.job.line);
    return line?.queue[0] === waiter && !line.publishing && !waiter.event.failed ? line : undefined;
  }

  /** Whether some line's first job waits for an event this instance does not hold. */
  private isBlocked(): boolean {
    for (const waiter of this.blocked) if (!this.lineHeadedBy(waiter)) this.blocked.delete(waiter);
    if (this.blocked.size === 0) this.lowestBlocked = Infinity;
    for (const waiter of this.behindElsewhere) if (!this.lineHeadedBy(waiter)) this.behindElsewhere.delete(waiter);
    return this.blocked.size > 0 || this.behindElsewhere.size > 0;
  }

  /** Reads the ack floor again and again while jobs wait for events other instances hold. */
  private async readFloor(): Promise<void> {
    if (this.reading) return;
    this.reading = true;
    let failures = 0;
    try {
      while (!this.abandoned && this.isBlocked()) {
        const started = Date.now();
        this.blockedSince ??= started;
        try {
          this.moveOn(await this.readAckFloor());
          failures = 0;
        } catch (error) {
          if (failures++ === 0) this.log.warn({ err: error }, 'could not read the events ack floor; reading it again');
        }
        if (!this.isBlocked()) break;
        if (this.blockedSince !== undefined && started - this.blockedSince >= LONG_WAIT_MS) {
          this.log.warn(
            { waiting: this.waitingJobs, ack_floor: this.floor, reach: this.reach },
            'ordered jobs wait for events another matcher holds (if it died, they come back after MATCHER_ACK_WAIT)',
          );
          this.blockedSince = Date.now();
        }
        const pause = FLOOR_READ_INTERVAL_MS * Math.min(100, 1 + failures) - (Date.now() - started);
        if (pause > 0) await new Promise((resolve) => setTimeout(resolve, pause));
      }
    } finally {
      this.reading = false;
      this.blockedSince = undefined;
    }
  }
}

/**
 * Inserts a waiter after those of lower or equal sequence (a redelivered event's job goes back to
 * its place), but never before the job being published: that one is as good as stored.
 */
function insertInOrder(line: Line, waiter: Waiter): number {
  const { queue } = line;
  let at = queue.length;
  const first = line.publishing ? 1 : 0;
  while (at > first && (queue[at - 1]?.event.seq ?? 0) > waiter.event.seq) at--;
  queue.splice(at, 0, waiter);
  return at;
}
