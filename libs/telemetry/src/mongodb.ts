import { type Attributes, type Span, SpanKind } from '@opentelemetry/api';
import type { CommandFailedEvent, CommandStartedEvent, CommandSucceededEvent, MongoClient } from 'mongodb';
import { ATTR } from './semconv';
import { markFailed } from './spans';
import type { Tracing } from './telemetry';

/**
 * A client span per MongoDB command (database semantic conventions), from the driver's own
 * command monitoring events rather than module patching (see README "Observability"). The
 * driver emits `commandStarted` in the caller's async context, so a command's span is the child
 * of whatever span was active when it was issued (a gRPC call, an attempt result being recorded).
 * Command documents are never recorded: they hold customer data. The client must be created with
 * `monitorCommands: tracing.tracing`, so with tracing off the driver does no monitoring at all.
 */
export function traceMongoCommands(client: MongoClient, tracing: Tracing): void {
  if (!tracing.tracing) return;
  if (!client.options.monitorCommands)
    throw new Error('traceMongoCommands needs a MongoClient created with monitorCommands: true');
  const spans = new Map<number, Span>();
  client.on('commandStarted', (event: CommandStartedEvent) => {
    const attributes = commandAttributes(event);
    const collection = attributes[ATTR.dbCollectionName];
    const name = collection === undefined ? event.commandName : `${event.commandName} ${String(collection)}`;
    spans.set(event.requestId, tracing.tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes }));
  });
  client.on('commandSucceeded', (event: CommandSucceededEvent) => {
    spans.get(event.requestId)?.end();
    spans.delete(event.requestId);
  });
  client.on('commandFailed', (event: CommandFailedEvent) => {
    const span = spans.get(event.requestId);
    if (!span) return;
    spans.delete(event.requestId);
    markFailed(span, event.failure);
    span.end();
  });
}

function commandAttributes(event: CommandStartedEvent): Attributes {
  const attributes: Attributes = {
    [ATTR.dbSystemName]: 'mongodb',
    [ATTR.dbNamespace]: event.databaseName,
    [ATTR.dbOperationName]: event.commandName,
  };
  // The collection is the command's first value (`{ find: "callbacks", ... }`), or `collection` for getMore.
  const target = (event.command as Record<string, unknown>)[event.commandName];
  const collection = typeof target === 'string' ? target : (event.command as { collection?: unknown }).collection;
  if (typeof collection === 'string') attributes[ATTR.dbCollectionName] = collection;
  const [, host, port] = /^\[?(.*?)\]?:(\d+)$/.exec(event.address) ?? [];
  if (host !== undefined && port !== undefined) {
    attributes[ATTR.serverAddress] = host;
    attributes[ATTR.serverPort] = Number(port);
  }
  return attributes;
}
