import {
  createInbox,
  headers as natsHeaders,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
  type Subscription,
} from '@nats-io/transport-node';
import { HEADERS } from './subjects';

/** JetStream's acknowledgement of a stored message. */
export interface StoredAck {
  stream: string;
  seq: number;
  /** The stream already held a message with this `Nats-Msg-Id`: nothing was stored. */
  duplicate: boolean;
}

export class PublishError extends Error {
  override readonly name = 'PublishError';
  constructor(
    message: string,
    /** JetStream's error code (e.g. 10071 wrong last sequence), or 503 when no stream stores the subject, 408 on timeout. */
    readonly code: number,
  ) {
    super(message);
  }
}

interface Pending {
  resolve: (ack: StoredAck) => void;
  reject: (error: Error) => void;
  at: number;
}

interface Queued {
  token: string;
  subject: string;
  data: Uint8Array | string;
  headers: MsgHdrs;
}

export interface AckedPublisherOptions {
  /** How long a publish waits for the stream's acknowledgement; default 10 s. */
  timeoutMs?: number;
  /**
   * Hold publishes until the event loop's check phase and send them together: one socket write
   * for all the publishes made while handling one turn's I/O (say, every HTTP response that
   * arrived at once) instead of one each, which cost a publisher that reacts to many sockets
   * (the dispatcher) more than building the messages did. Adds well under a millisecond.
   */
  coalesce?: boolean;
}

/**
 * Publishes to JetStream and resolves with the stream's acknowledgement, pipelined over one
 * reply subscription. Does what `jetstream(nc).publish` does on a hot path at a fraction of the
 * cost: nats.js builds two Error objects and a timer per request, which was a third of a
 * matcher's CPU; here replies are matched by token and timeouts swept once per interval.
 */
export class AckedPublisher {
  private readonly inbox = createInbox();
  private readonly pending = new Map<string, Pending>();
  private readonly subscription: Subscription;
  private readonly sweeper: NodeJS.Timeout;
  private readonly timeoutMs: number;
  private readonly coalesce: boolean;
  private queued: Queued[] = [];
  private flushing: NodeJS.Immediate | undefined;
  private next = 0;

  constructor(
    private readonly nc: NatsConnection,
    { timeoutMs = 10_000, coalesce = false }: AckedPublisherOptions = {},
  ) {
    this.timeoutMs = timeoutMs;
    this.coalesce = coalesce;
    this.subscription = nc.subscribe(`${this.inbox}.*`, { callback: (_error, msg) => this.onReply(msg) });
    this.sweeper = setInterval(() => this.expire(), Math.min(1_000, timeoutMs)).unref();
  }

  /** How many publishes await their acknowledgement. */
  get inFlight(): number {
    return this.pending.size;
  }

  publish(
    subject: string,
    data: Uint8Array | string,
    options: { msgId?: string; headers?: MsgHdrs } = {},
  ): Promise<StoredAck> {
    const token = (this.next++).toString(36);
    const h = options.headers ?? natsHeaders();
    if (options.msgId) h.set(HEADERS.msgId, options.msgId);
    return new Promise((resolve, reject) => {
      this.pending.set(token, { resolve, reject, at: Date.now() });
      if (!this.coalesce) return this.send(token, subject, data, h);
      this.queued.push({ token, subject, data, headers: h });
      this.flushing ??= setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    this.flushing = undefined;
    const queued = this.queued;
    this.queued = [];
    for (const { token, subject, data, headers } of queued) this.send(token, subject, data, headers);
  }

  private send(token: string, subject: string, data: Uint8Array | string, headers: MsgHdrs): void {
    try {
      this.nc.publish(subject, data, { reply: `${this.inbox}.${token}`, headers });
    } catch (error) {
      const p = this.pending.get(token);
      this.pending.delete(token);
      p?.reject(error as Error);
    }
  }

  /** Stops listening; publishes still awaiting an acknowledgement fail. */
  close(): void {
    clearInterval(this.sweeper);
    clearImmediate(this.flushing);
    this.queued = [];
    this.subscription.unsubscribe();
    for (const [token, p] of this.pending) {
      this.pending.delete(token);
      p.reject(new PublishError('publisher closed before the stream acknowledged', 408));
    }
  }

  private onReply(msg: Msg): void {
    const token = msg.subject.slice(this.inbox.length + 1);
    const p = this.pending.get(token);
    if (!p) return; // timed out already
    this.pending.delete(token);
    if (msg.headers?.hasError) {
      const code = msg.headers.code;
      return p.reject(
        new PublishError(
          code === 503 ? 'no stream stores this subject (no responders)' : msg.headers.description,
          code,
        ),
      );
    }
    try {
      const body = msg.json<{
        stream?: string;
        seq?: number;
        duplicate?: boolean;
        error?: { err_code?: number; code?: number; description?: string };
      }>();
      if (body.error) {
        return p.reject(
          new PublishError(
            body.error.description ?? 'JetStream refused the message',
            body.error.err_code ?? body.error.code ?? 0,
          ),
        );
      }
      p.resolve({ stream: body.stream ?? '', seq: body.seq ?? 0, duplicate: body.duplicate === true });
    } catch (error) {
      p.reject(new PublishError(`unreadable acknowledgement: ${(error as Error).message}`, 0));
    }
  }

  private expire(): void {
    // A closed connection acknowledges nothing more: stop sweeping, and holding on to it.
    if (this.nc.isClosed()) return this.close();
    const cutoff = Date.now() - this.timeoutMs;
    for (const [token, p] of this.pending) {
      if (p.at > cutoff) break; // insertion order is time order
      this.pending.delete(token);
      p.reject(new PublishError(`no acknowledgement within ${this.timeoutMs} ms`, 408));
    }
  }
}
