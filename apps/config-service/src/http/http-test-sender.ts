import type { DeliveryRequest } from '@callbacks/delivery';
import { durationFromMs } from '@callbacks/domain';
import { type DeliveryHttpClient, describeStatus } from '@callbacks/outbound-http';
import type { Attempt } from '@callbacks/proto/callbacks/v1/delivery';
import { traceActiveRequest, type Tracing } from '@callbacks/telemetry';
import type { Clock, TestSender } from '../callbacks/ports';

/**
 * TestCallback's one real request, through the one outbound HTTP client (SSRF guard, timeouts,
 * no redirects, capped excerpt), reported as an Attempt in the words of the delivery log. With
 * tracing on it is a client span of the TestCallback call, and carries its `traceparent`.
 */
export class HttpTestSender implements TestSender {
  constructor(
    private readonly client: DeliveryHttpClient,
    private readonly clock: Clock,
    private readonly tracing: Tracing,
  ) {}

  async send(request: DeliveryRequest, timeoutMs: number): Promise<Attempt> {
    const startTime = this.clock();
    const span = traceActiveRequest(this.tracing, request.url);
    const outcome = await this.client.send({
      ...request,
      headers: span ? { ...request.headers, ...span.headers } : request.headers,
      timeoutMs,
    });
    span?.end(outcome.kind === 'error' ? { errorType: outcome.errorClass } : { statusCode: outcome.statusCode });
    const common = { number: 1, startTime, duration: durationFromMs(outcome.durationMs) };
    if (outcome.kind === 'error') {
      return {
        ...common,
        statusCode: 0,
        errorClass: outcome.errorClass,
        errorMessage: outcome.message,
        responseExcerpt: '',
      };
    }
    const errorMessage = describeStatus(outcome.statusCode);
    return {
      ...common,
      statusCode: outcome.statusCode,
      errorClass: errorMessage ? 'http_status' : '',
      errorMessage,
      responseExcerpt: outcome.excerpt,
    };
  }
}
