import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/** OTLP span kinds (opentelemetry/proto/trace/v1/trace.proto). */
export const SPAN_KIND = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 } as const;

/** A span as a collector received it, flattened: attributes as plain values. */
export interface ExportedSpan {
  service: string;
  traceId: string;
  spanId: string;
  /** Empty for a root span. */
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, string | number | boolean>;
  /** 0 unset, 1 ok, 2 error. */
  status: number;
  /** The spans this one is linked to (a batch to the messages it processed). */
  links: { traceId: string; spanId: string }[];
}

interface AnyValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
}
interface KeyValue {
  key: string;
  value?: AnyValue;
}
interface ExportTraceServiceRequest {
  resourceSpans?: {
    resource?: { attributes?: KeyValue[] };
    scopeSpans?: {
      spans?: {
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        kind?: number;
        attributes?: KeyValue[];
        status?: { code?: number };
        links?: { traceId: string; spanId: string }[];
      }[];
    }[];
  }[];
}

function plain(value: AnyValue | undefined): string | number | boolean {
  if (value?.stringValue !== undefined) return value.stringValue;
  if (value?.intValue !== undefined) return Number(value.intValue);
  if (value?.doubleValue !== undefined) return value.doubleValue;
  if (value?.boolValue !== undefined) return value.boolValue;
  return '';
}

function attributes(list: KeyValue[] | undefined): Record<string, string | number | boolean> {
  return Object.fromEntries((list ?? []).map((kv) => [kv.key, plain(kv.value)]));
}

/**
 * A collector-compatible OTLP/HTTP trace receiver for tests: `POST /v1/traces` with the JSON
 * encoding (`OTEL_EXPORTER_OTLP_PROTOCOL=http/json`), gzip or not, answered as a collector does.
 * Protobuf payloads are refused with 415, so a misconfigured exporter is seen, not ignored.
 */
export class OtlpReceiver {
  readonly spans: ExportedSpan[] = [];
  /** Every request body as received (decompressed), to search for what must never be exported. */
  readonly payloads: string[] = [];
  private waiters: { until: (spans: readonly ExportedSpan[]) => boolean; resolve: () => void }[] = [];

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(): Promise<OtlpReceiver> {
    const handlers: { handle?: (req: IncomingMessage, body: Buffer) => number } = {};
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const status = handlers.handle?.(req, Buffer.concat(chunks)) ?? 503;
        res
          .writeHead(status, { 'Content-Type': 'application/json' })
          .end(status === 200 ? '{}' : '{"message":"unsupported"}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const receiver = new OtlpReceiver(server, (server.address() as AddressInfo).port);
    handlers.handle = (req, body) => receiver.receive(req, body);
    return receiver;
  }

  /** For `OTEL_EXPORTER_OTLP_ENDPOINT` (the exporter appends `/v1/traces`). */
  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Resolves with every span received so far once `until` holds for them (checked on every export). */
  waitFor(until: (spans: readonly ExportedSpan[]) => boolean, timeoutMs = 60_000): Promise<ExportedSpan[]> {
    if (until(this.spans)) return Promise.resolve([...this.spans]);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the spans wanted did not arrive within ${timeoutMs} ms; received: ${this.describe()}`)),
        timeoutMs,
      );
      this.waiters.push({
        until,
        resolve: () => {
          clearTimeout(timer);
          resolve([...this.spans]);
        },
      });
    });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private receive(req: IncomingMessage, raw: Buffer): number {
    if (req.method !== 'POST' || req.url !== '/v1/traces') return 404;
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) return 415;
    const text = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
    this.payloads.push(text);
    const request = JSON.parse(text) as ExportTraceServiceRequest;
    for (const resourceSpans of request.resourceSpans ?? []) {
      const service = String(attributes(resourceSpans.resource?.attributes)['service.name'] ?? '');
      for (const scope of resourceSpans.scopeSpans ?? []) {
        for (const span of scope.spans ?? []) {
          this.spans.push({
            service,
            traceId: span.traceId,
            spanId: span.spanId,
            parentSpanId: span.parentSpanId ?? '',
            name: span.name,
            kind: span.kind ?? 0,
            attributes: attributes(span.attributes),
            status: span.status?.code ?? 0,
            links: (span.links ?? []).map(({ traceId, spanId }) => ({ traceId, spanId })),
          });
        }
      }
    }
    this.waiters = this.waiters.filter((waiter) => {
      if (!waiter.until(this.spans)) return true;
      waiter.resolve();
      return false;
    });
    return 200;
  }

  private describe(): string {
    return (
      this.spans.map((span) => `${span.service}:${span.name}(${span.traceId.slice(0, 8)})`).join(', ') || 'nothing'
    );
  }
}
