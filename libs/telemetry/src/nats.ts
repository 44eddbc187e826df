import { randomFillSync } from 'node:crypto';
import type { MsgHdrs } from '@nats-io/transport-node';
import {
  type Attributes,
  type Context,
  context,
  ROOT_CONTEXT,
  type Span,
  type SpanContext,
  SpanKind,
  type TextMapGetter,
  type TextMapSetter,
  trace,
  type Tracer,
} from '@opentelemetry/api';
import { type RequestTrace, startRequestSpan } from './http';
import { ATTR, MESSAGING_SYSTEM_NATS } from './semconv';
import { markFailed, TRACEPARENT, TRACESTATE, w3c } from './spans';
import type { Tracing } from './telemetry';

/**
 * W3C trace context through NATS message headers. No instrumentation package exists for the
 * nats.js v3 client, so this is the propagator and the messaging spans: a `publish` span
 * (PRODUCER) around every publish whose context travels in the headers, and a `process` span
 * (CONSUMER) per consumed message, the child of the context its headers carry, so that one
 * event is one trace across every service.
 *
 * With tracing off there are no spans; the context a message arrived with is still passed on
 * to the messages and requests it causes, so a publisher's trace reaches the receiver.
 */

const headerGetter: TextMapGetter<MsgHdrs> = {
  keys: (headers) => headers.keys(),
  get: (headers, key) => headers.get(key) || undefined,
};
const headerSetter: TextMapSetter<MsgHdrs> = { set: (headers, key, value) => headers.set(key, value) };

/** A message about to be published. */
export interface OutgoingMessage {
  subject: string;
  /** The subject's template (SUBJECT_TEMPLATES): the low-cardinality name the span carries. */
  template: string;
  headers: MsgHdrs;
  msgId?: string;
}

/** What a consumed message is to tracing (a JetStream or core NATS message). */
export interface ConsumedMessage {
  subject: string;
  headers?: MsgHdrs;
  data: Uint8Array;
}

/** The trace of one consumed message: its process span, and what its handling causes. */
export interface MessageTrace {
  /** Runs `work` with the process span active: log lines carry its ids, client spans become its children. */
  run<T>(work: () => T): T;
  /** Publishes a message this one caused: a publish span under the process span, its context in the headers. */
  publish<T>(message: OutgoingMessage, send: () => Promise<T>): Promise<T>;
  /** An HTTP request this message caused: a client span under the process span. */
  request(url: URL): RequestTrace;
  /** Adds attributes (outcome, ids) to the process span. */
  annotate(attributes: Attributes): void;
  /** Ends the process span (once; later calls do nothing), failed when `error` is given. */
  end(error?: unknown): void;
  /** The process span's context, to link to; undefined with tracing off. */
  spanContext(): SpanContext | undefined;
}

export class NatsTracing {
  constructor(private readonly tracing: Tracing) {}

  /**
   * The process span of a consumed message, child of the trace context in its headers.
   * `consumer`: the durable JetStream consumer it came from (none for a plain subscription).
   */
  consume(msg: ConsumedMessage, template: string, consumer?: string): MessageTrace {
    if (!this.tracing.tracing) return passThrough(msg.headers);
    const parent = msg.headers ? w3c.extract(ROOT_CONTEXT, msg.headers, headerGetter) : ROOT_CONTEXT;
    const attributes: Attributes = {
      ...messagingAttributes('process', msg.subject, template),
      [ATTR.messagingMessageBodySize]: msg.data.length,
    };
    if (consumer) attributes[ATTR.messagingConsumerGroupName] = consumer;
    const msgId = msg.headers?.get('Nats-Msg-Id');
    if (msgId) attributes[ATTR.messagingMessageId] = msgId;
    const span = this.tracing.tracer.startSpan(`process ${template}`, { kind: SpanKind.CONSUMER, attributes }, parent);
    return new TracedMessage(this.tracing.tracer, span, trace.setSpan(parent, span));
  }

  /** Handles a consumed message inside its process span, which ends (failed, if `work` throws) when `work` is done. */
  process<T>(
    msg: ConsumedMessage,
    template: string,
    consumer: string | undefined,
    work: (trace: MessageTrace) => Promise<T>,
  ): Promise<T> {
    const trace = this.consume(msg, template, consumer);
    // Tracing off, there is no span to end: no extra async step on the hot path.
    return this.tracing.tracing ? this.within(trace, work) : work(trace);
  }

  private async within<T>(trace: MessageTrace, work: (trace: MessageTrace) => Promise<T>): Promise<T> {
    try {
      return await trace.run(() => work(trace));
    } catch (error) {
      trace.end(error);
      throw error;
    } finally {
      trace.end();
    }
  }

  /**
   * Work done once for several consumed messages (a batch written in one go): an INTERNAL span
   * `name`, linked to each message's process span (OpenTelemetry's form for batch processing),
   * with the work's client calls as its children.
   */
  batch<T>(name: string, traces: readonly MessageTrace[], work: () => Promise<T>): Promise<T> {
    if (!this.tracing.tracing) return work();
    const links = traces.flatMap((t) => {
      const linked = t.spanContext();
      return linked ? [{ context: linked }] : [];
    });
    const span = this.tracing.tracer.startSpan(
      name,
      { kind: SpanKind.INTERNAL, links, attributes: { [ATTR.messagingBatchMessageCount]: traces.length } },
      ROOT_CONTEXT,
    );
    return this.within(new TracedMessage(this.tracing.tracer, span, trace.setSpan(ROOT_CONTEXT, span)), work);
  }

  /** Publishes under the active context (a gRPC call, a test): a publish span, its context in the headers. */
  publish<T>(message: OutgoingMessage, send: () => Promise<T>): Promise<T> {
    if (!this.tracing.tracing) return send();
    return publishWithin(this.tracing.tracer, context.active(), message, send);
  }
}

function messagingAttributes(operation: 'publish' | 'process', subject: string, template: string): Attributes {
  return {
    [ATTR.messagingSystem]: MESSAGING_SYSTEM_NATS,
    [ATTR.messagingOperationType]: operation === 'publish' ? 'send' : 'process',
    [ATTR.messagingOperationName]: operation,
    [ATTR.messagingDestinationName]: subject,
    [ATTR.messagingDestinationTemplate]: template,
  };
}

async function publishWithin<T>(
  tracer: Tracer,
  parent: Context,
  message: OutgoingMessage,
  send: () => Promise<T>,
): Promise<T> {
  const attributes = messagingAttributes('publish', message.subject, message.template);
  if (message.msgId) attributes[ATTR.messagingMessageId] = message.msgId;
  const span = tracer.startSpan(`publish ${message.template}`, { kind: SpanKind.PRODUCER, attributes }, parent);
  w3c.inject(trace.setSpan(parent, span), message.headers, headerSetter);
  try {
    return await send();
  } catch (error) {
    markFailed(span, error);
    throw error;
  } finally {
    span.end();
  }
}

class TracedMessage implements MessageTrace {
  private ended = false;

  constructor(
    private readonly tracer: Tracer,
    private readonly span: Span,
    private readonly context: Context,
  ) {}

  run<T>(work: () => T): T {
    return context.with(this.context, work);
  }

  publish<T>(message: OutgoingMessage, send: () => Promise<T>): Promise<T> {
    return publishWithin(this.tracer, this.context, message, send);
  }

  request(url: URL): RequestTrace {
    return startRequestSpan(this.tracer, url, this.context);
  }

  annotate(attributes: Attributes): void {
    this.span.setAttributes(attributes);
  }

  end(error?: unknown): void {
    if (this.ended) return;
    this.ended = true;
    if (error !== undefined) markFailed(this.span, error);
    this.span.end();
  }

  spanContext(): SpanContext {
    return this.span.spanContext();
  }
}

const ignore = () => undefined;
const TRACEPARENT_FORMAT = /^00-(?!0{32})[\da-f]{32}-(?!0{16})[\da-f]{16}-[\da-f]{2}$/;

/** Tracing off: the context a message arrived with (its raw W3C headers), passed on unchanged. */
class PassThrough implements MessageTrace {
  constructor(
    private readonly traceparent: string,
    private readonly tracestate: string,
  ) {}

  run<T>(work: () => T): T {
    return work();
  }

  publish<T>(message: OutgoingMessage, send: () => Promise<T>): Promise<T> {
    if (this.traceparent) {
      message.headers.set(TRACEPARENT, this.traceparent);
      if (this.tracestate) message.headers.set(TRACESTATE, this.tracestate);
    }
    return send();
  }

  request(): RequestTrace {
    if (!this.traceparent) return { headers: { [TRACEPARENT]: unsampledTraceparent() }, end: ignore };
    return {
      headers: this.tracestate
        ? { [TRACEPARENT]: this.traceparent, [TRACESTATE]: this.tracestate }
        : { [TRACEPARENT]: this.traceparent },
      end: ignore,
    };
  }

  annotate = ignore;
  end = ignore;
  spanContext = ignore;
}

const NO_CONTEXT = new PassThrough('', '');

function passThrough(headers: MsgHdrs | undefined): MessageTrace {
  const traceparent = headers?.get(TRACEPARENT);
  if (!traceparent || !TRACEPARENT_FORMAT.test(traceparent)) return NO_CONTEXT;
  return new PassThrough(traceparent, headers?.get(TRACESTATE) ?? '');
}

/** Random bytes for unsampled trace ids, drawn a few hundred ids at a time: one call per id was 4 % of a delivery's CPU. */
const ID_BYTES = 24;
const idPool = Buffer.alloc(ID_BYTES * 256);
let idPoolAt = idPool.byteLength;

/** Every delivery carries a `traceparent` (SPEC §7.1): a new, unsampled one when none came with it. */
function unsampledTraceparent(): string {
  if (idPoolAt === idPool.byteLength) {
    randomFillSync(idPool);
    idPoolAt = 0;
  }
  const id = idPool.toString('hex', idPoolAt, (idPoolAt += ID_BYTES));
  return `00-${id.slice(0, 32)}-${id.slice(32)}-00`;
}
