import { isIP } from 'node:net';
import { Agent } from 'undici';
import type { AddressPolicy } from './address-policy';
import { guardedLookup } from './guarded-lookup';

/** What came of one HTTP attempt. */
export type SendOutcome =
  | { kind: 'response'; statusCode: number; retryAfterMs: number | undefined; excerpt: string; durationMs: number }
  | { kind: 'error'; errorClass: ErrorClass; message: string; durationMs: number };

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

/**
 * The one HTTP client of deliveries (undici): keep-alive pools per origin, a connect timeout and
 * a total timeout, redirects never followed, responses read up to a cap, and every connection
 * made through the SSRF guard (SPEC §7.6).
 */
export class DeliveryHttpClient {
  private readonly agent: Agent;

  constructor(private readonly options: HttpClientOptions) {
    this.agent = new Agent({
      connect: { timeout: options.connectTimeoutMs, lookup: guardedLookup(options.policy, options.dnsServers) },
      keepAliveTimeout: 10_000,
      keepAliveMaxTimeout: 60_000,
    });
  }

  async send(request: { url: URL; headers: Record<string, string>; body: Buffer; timeoutMs: number }): Promise<SendOutcome> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    // An IP literal is connected to without any lookup: check it here.
    const host = request.url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host)) {
      const refusal = this.options.policy.refusal(host);
      if (refusal) return { kind: 'error', errorClass: 'blocked_address', message: refusal, durationMs: elapsed() };
    }
    const signal = AbortSignal.timeout(request.timeoutMs);
    try {
      const response = await this.agent.request({
        origin: request.url.origin,
        path: `${request.url.pathname}${request.url.search}`,
        method: 'POST',
        headers: request.headers,
        body: request.body,
        signal,
        headersTimeout: request.timeoutMs,
        bodyTimeout: request.timeoutMs,
      });
      const excerpt = await readExcerpt(response.body, this.options.excerptBytes);
      return {
        kind: 'response',
        statusCode: response.statusCode,
        retryAfterMs: parseRetryAfter(response.headers['retry-after']),
        excerpt,
        durationMs: elapsed(),
      };
    } catch (error) {
      return { kind: 'error', ...classify(error, signal), durationMs: elapsed() };
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

async function readExcerpt(body: AsyncIterable<Buffer> & { destroy(): void }, limit: number): Promise<string> {
  const kept: Buffer[] = [];
  let keptBytes = 0;
  let read = 0;
  for await (const chunk of body) {
    if (keptBytes < limit) {
      const part = chunk.subarray(0, limit - keptBytes);
      kept.push(part);
      keptBytes += part.length;
    }
    read += chunk.length;
    if (read > DRAIN_LIMIT) {
      body.destroy();
      break;
    }
  }
  // A multi-byte character cut at the limit decodes to U+FFFD, never to invalid text.
  return Buffer.concat(kept).toString('utf8');
}

/** `Retry-After` as delay-seconds or an HTTP date, in milliseconds from now. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined || raw.trim() === '') return undefined;
  if (/^\s*\d+\s*$/.test(raw)) return Number(raw) * 1000;
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

const TLS_CODES = /^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|ERR_OSSL)/;

function classify(error: unknown, signal: AbortSignal): { errorClass: ErrorClass; message: string } {
  const chain: { code?: string; name?: string; message?: string }[] = [];
  for (let e = error as { cause?: unknown } | undefined; e && chain.length < 5; e = e.cause as typeof e) chain.push(e as (typeof chain)[number]);
  const codes = chain.map((e) => e.code ?? e.name ?? '');
  const message = chain.map((e) => e.message).filter(Boolean).join(': ') || String(error);
  const has = (...wanted: string[]) => codes.some((c) => wanted.includes(c));
  if (has('EBLOCKED')) return { errorClass: 'blocked_address', message };
  if (has('UND_ERR_CONNECT_TIMEOUT')) return { errorClass: 'connect_timeout', message };
  if (signal.aborted || has('UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'TimeoutError', 'AbortError')) {
    return { errorClass: 'timeout', message: signal.aborted ? 'no complete response within the timeout' : message };
  }
  if (has('ECONNREFUSED')) return { errorClass: 'connect_refused', message };
  if (has('ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET')) return { errorClass: 'connection_reset', message };
  if (has('ENOTFOUND', 'EAI_AGAIN', 'ENODATA', 'ESERVFAIL', 'ECONNREFUSED_DNS', 'ETIMEOUT', 'EREFUSED')) return { errorClass: 'dns', message };
  if (codes.some((c) => TLS_CODES.test(c))) return { errorClass: 'tls', message };
  return { errorClass: 'network', message };
}
