import { isIP } from 'node:net';
import { Agent, type Dispatcher } from 'undici';
import type { AddressPolicy } from './address-policy';
import { guardedLookup } from './guarded-lookup';

/** What came of one HTTP attempt. */
export type SendOutcome =
  | { kind: 'response'; statusCode: number; retryAfterMs: number | undefined; excerpt: string; durationMs: number }
  | { kind: 'error'; errorClass: ErrorClass; message: string; durationMs: number };

/**
 * What a receiver's answer means for the delivery log: '' for 2xx, else the words both the
 * dispatcher and TestCallback record with error class `http_status`.
 */
export function describeStatus(status: number): string {
  if (status >= 200 && status < 300) return '';
  if (status === 410) return 'the receiver answered 410 Gone';
  if (status >= 300 && status < 400) return `the receiver answered ${status}; redirects are not followed`;
  return `the receiver answered ${status}`;
}

export type ErrorClass =
  | 'timeout'
  | 'connect_timeout'
  | 'connect_refused'
  | 'connection_reset'
  | 'dns'
  | 'blocked_address'
  | 'tls'
  | 'network';

export interface HttpClientOptions {
  policy: AddressPolicy;
  /** Resolve with these DNS servers instead of the system resolver (tests, split horizons). */
  dnsServers?: readonly string[];
  connectTimeoutMs: number;
  /** How much of a response body is kept for the delivery log. */
  excerptBytes: number;
}

/** Bytes read past the excerpt so a keep-alive connection can be reused; beyond, it is closed. */
const DRAIN_LIMIT = 64 * 1024;
/** IP-literal hosts whose policy verdict is remembered (the verdict depends on the text alone). */
const VERDICTS_KEPT = 1024;

/**
 * The one HTTP client of deliveries (undici): keep-alive pools per origin, a connect timeout and
 * a total timeout, redirects never followed, responses read up to a cap, and every connection
 * made through the SSRF guard (SPEC §7.6).
 */
export class DeliveryHttpClient {
  private readonly agent: Agent;
  /** Policy verdicts of IP-literal hosts (`null`: allowed). */
  private readonly verdicts = new Map<string, string | null>();

  constructor(private readonly options: HttpClientOptions) {
    this.agent = new Agent({
      connect: { timeout: options.connectTimeoutMs, lookup: guardedLookup(options.policy, options.dnsServers) },
      keepAliveTimeout: 10_000,
      keepAliveMaxTimeout: 60_000,
    });
  }

  send(request: { url: URL; headers: Record<string, string>; body: Buffer; timeoutMs: number }): Promise<SendOutcome> {
    const started = performance.now();
    // An IP literal is connected to without any lookup: check it here.
    const refusal = this.literalRefusal(request.url.hostname);
    if (refusal)
      return Promise.resolve({
        kind: 'error',
        errorClass: 'blocked_address',
        message: refusal,
        durationMs: Math.round(performance.now() - started),
      });
    return new Promise((resolve) => {
      const exchange = new Exchange(resolve, started, this.options.excerptBytes);
      // The dispatch API rather than `request`: no body stream, async resource or abort signal
      // per attempt, which were most of the client's cost per delivery.
      this.agent.dispatch(
        {
          origin: request.url.origin,
          path: `${request.url.pathname}${request.url.search}`,
          method: 'POST',
          headers: request.headers,
          body: request.body,
        },
        exchange,
      );
      exchange.startTimer(request.timeoutMs);
    });
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  private literalRefusal(hostname: string): string | undefined {
    const host = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
    const known = this.verdicts.get(host);
    if (known !== undefined) return known ?? undefined;
    if (!isIP(host)) return undefined;
    const refusal = this.options.policy.refusal(host);
    if (this.verdicts.size >= VERDICTS_KEPT) this.verdicts.clear();
    this.verdicts.set(host, refusal ?? null);
    return refusal;
  }
}

/**
 * One request and its response, as an undici dispatch handler: keeps the status, `Retry-After`
 * and an excerpt of the body, and settles once, with the response or the classified error. The
 * total timeout aborts the request wherever it is; one that has not reached a connection yet is
 * aborted when it does, before anything is written, so a timed-out attempt is never sent late.
 */
class Exchange implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined;
  private timer: NodeJS.Timeout | undefined;
  private settled = false;
  private timedOut = false;
  private statusCode = 0;
  private retryAfter: string | string[] | undefined;
  private readonly kept: Buffer[] = [];
  private keptBytes = 0;
  private read = 0;

  constructor(
    private readonly resolve: (outcome: SendOutcome) => void,
    private readonly started: number,
    private readonly excerptBytes: number,
  ) {}

  startTimer(timeoutMs: number): void {
    if (!this.settled) this.timer = setTimeout(() => this.expire(), timeoutMs);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.timedOut) controller.abort(new TimeoutError());
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    this.statusCode = statusCode;
    this.retryAfter = headers['retry-after'];
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.keptBytes < this.excerptBytes) {
      const part = chunk.subarray(0, this.excerptBytes - this.keptBytes);
      this.kept.push(part);
      this.keptBytes += part.length;
    }
    this.read += chunk.length;
    if (this.read > DRAIN_LIMIT) {
      // Enough: answer with what was kept and close the connection rather than read on.
      this.respond();
      controller.abort(new Error('response body beyond the drain limit'));
    }
  }

  onResponseEnd(): void {
    this.respond();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.settle({ kind: 'error', ...(this.timedOut ? TIMEOUT : classify(error)), durationMs: this.elapsed() });
  }

  private expire(): void {
    this.timer = undefined;
    if (this.settled) return;
    this.timedOut = true;
    // Through the handler's error path once undici holds the request; before that, now.
    if (this.controller) this.controller.abort(new TimeoutError());
    else this.settle({ kind: 'error', ...TIMEOUT, durationMs: this.elapsed() });
  }

  private respond(): void {
    this.settle({
      kind: 'response',
      statusCode: this.statusCode,
      retryAfterMs: parseRetryAfter(this.retryAfter),
      // A multi-byte character cut at the limit decodes to U+FFFD, never to invalid text.
      excerpt: Buffer.concat(this.kept).toString('utf8'),
      durationMs: this.elapsed(),
    });
  }

  private settle(outcome: SendOutcome): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    this.resolve(outcome);
  }

  private elapsed(): number {
    return Math.round(performance.now() - this.started);
  }
}

class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
  constructor() {
    super('no complete response within the timeout');
  }
}

const TIMEOUT = { errorClass: 'timeout', message: 'no complete response within the timeout' } as const;

/** `Retry-After` as delay-seconds or an HTTP date, in milliseconds from now. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined || raw.trim() === '') return undefined;
  if (/^\s*\d+\s*$/.test(raw)) return Number(raw) * 1000;
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

const TLS_CODES = /^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|ERR_OSSL)/;

function classify(error: unknown): { errorClass: ErrorClass; message: string } {
  const chain: { code?: string; name?: string; message?: string }[] = [];
  for (let e = error as { cause?: unknown } | undefined; e && chain.length < 5; e = e.cause as typeof e)
    chain.push(e as (typeof chain)[number]);
  const codes = chain.map((e) => e.code ?? e.name ?? '');
  const message =
    chain
      .map((e) => e.message)
      .filter(Boolean)
      .join(': ') || String(error);
  const has = (...wanted: string[]) => codes.some((c) => wanted.includes(c));
  if (has('EBLOCKED')) return { errorClass: 'blocked_address', message };
  if (has('UND_ERR_CONNECT_TIMEOUT')) return { errorClass: 'connect_timeout', message };
  if (has('UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'TimeoutError', 'AbortError'))
    return { errorClass: 'timeout', message };
  if (has('ECONNREFUSED')) return { errorClass: 'connect_refused', message };
  if (has('ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET')) return { errorClass: 'connection_reset', message };
  if (has('ENOTFOUND', 'EAI_AGAIN', 'ENODATA', 'ESERVFAIL', 'ECONNREFUSED_DNS', 'ETIMEOUT', 'EREFUSED'))
    return { errorClass: 'dns', message };
  if (codes.some((c) => TLS_CODES.test(c))) return { errorClass: 'tls', message };
  return { errorClass: 'network', message };
}
