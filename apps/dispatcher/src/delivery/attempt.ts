import { type DeliveryRequest, prepareDeliveryRequest } from '@callbacks/delivery';
import { type DeliveryHttpClient, describeStatus, type ErrorClass } from '@callbacks/outbound-http';
import type { KeyRing, PlatformKeyRing } from '@callbacks/signature';
import type { RequestTrace } from '@callbacks/telemetry';
import type { ReadyJob } from './job';

/** What one attempt came to, for the retry decision, the breaker and the delivery log. */
export interface AttemptOutcome {
  verdict: 'succeeded' | 'gone' | 'failed';
  startedAt: Date;
  durationMs: number;
  statusCode: number;
  errorClass: '' | ErrorClass | 'http_status' | 'signing';
  errorMessage: string;
  excerpt: string;
  retryAfterMs: number | undefined;
  /** Says the endpoint is unwell (network, timeout, 5xx, 429): counts against its breaker. */
  unhealthy: boolean;
}

export interface AttemptDeps {
  http: DeliveryHttpClient;
  keyRing: KeyRing;
  /** Opens the job's per-callback secrets; the only place they are decrypted besides TestCallback. */
  platformKeys?: PlatformKeyRing | undefined;
  /**
   * The attempt's HTTP client span (libs/telemetry): its `traceparent` goes in the request, so
   * the receiver continues the event's trace, and it ends with the response or the error.
   */
  traceRequest?: (url: URL) => RequestTrace;
}

/** Renders, signs and sends one attempt of a delivery job. Never throws. */
export async function performAttempt(job: ReadyJob, timeoutMs: number, deps: AttemptDeps): Promise<AttemptOutcome> {
  const startedAt = new Date();
  let request: DeliveryRequest;
  try {
    request = prepareDeliveryRequest(job, {
      keyRing: deps.keyRing,
      platformKeys: deps.platformKeys,
      now: startedAt.getTime(),
    });
  } catch (error) {
    // Our side failed (no valid signing key, a secret that does not open, an unusable URL):
    // retried like any failure, and never blamed on the endpoint.
    return failed(startedAt, 0, 'signing', (error as Error).message, false);
  }

  // The span starts once the request is signed: it times the request, as HTTP spans do.
  // `traceparent` is not a signed header, so adding it now leaves the signature valid.
  const span = deps.traceRequest?.(request.url);
  if (span) Object.assign(request.headers, span.headers);
  const sent = await deps.http.send({ url: request.url, headers: request.headers, body: request.body, timeoutMs });
  span?.end(sent.kind === 'error' ? { errorType: sent.errorClass } : { statusCode: sent.statusCode });
  if (sent.kind === 'error')
    return failed(startedAt, sent.durationMs, sent.errorClass, sent.message, sent.errorClass !== 'blocked_address');
  const status = sent.statusCode;
  const succeeded = status >= 200 && status < 300;
  return {
    verdict: succeeded ? 'succeeded' : status === 410 ? 'gone' : 'failed',
    startedAt,
    durationMs: sent.durationMs,
    statusCode: status,
    errorClass: succeeded ? '' : 'http_status',
    errorMessage: describeStatus(status),
    excerpt: sent.excerpt,
    // Only 429/503 carry a Retry-After worth honouring (a 2xx or 410 has no retry to delay).
    retryAfterMs: status === 429 || status === 503 ? sent.retryAfterMs : undefined,
    unhealthy: status >= 500 || status === 429 || status === 408,
  };
}

function failed(
  startedAt: Date,
  durationMs: number,
  errorClass: AttemptOutcome['errorClass'],
  errorMessage: string,
  unhealthy: boolean,
): AttemptOutcome {
  return {
    verdict: 'failed',
    startedAt,
    durationMs,
    statusCode: 0,
    errorClass,
    errorMessage,
    excerpt: '',
    retryAfterMs: undefined,
    unhealthy,
  };
}
