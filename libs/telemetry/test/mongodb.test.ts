import { randomBytes } from 'node:crypto';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type {} from '@callbacks/infra/vitest-global-setup';
import { traceMongoCommands } from '../src/mongodb';
import { disabledTelemetry } from '../src/telemetry';
import { recordSpans } from './recording';

const recording = recordSpans();
let client: MongoClient;
const database = `telemetry_${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  client = new MongoClient(inject('mongoUrl'), { monitorCommands: true, serverSelectionTimeoutMS: 10_000 });
  traceMongoCommands(client, recording.telemetry);
  await client.connect();
});
afterAll(async () => {
  await client?.db(database).dropDatabase();
  await client?.close();
  await recording.stop();
});

describe('traceMongoCommands', () => {
  it('makes a client span per command under the span that issued it, without the documents', async () => {
    const parent = recording.telemetry.tracer.startSpan('record attempt result');
    await context.with(trace.setSpan(context.active(), parent), async () => {
      await client
        .db(database)
        .collection('deliveries')
        .insertOne({ _id: 'dl_1' as never, secret: 'customer-data-1' });
      await client.db(database).collection('deliveries').findOne({ secret: 'customer-data-1' });
    });
    parent.end();

    const spans = recording.spans().filter((span) => span.parentSpanContext?.spanId === parent.spanContext().spanId);
    expect(spans.map((span) => span.name)).toEqual(['insert deliveries', 'find deliveries']);
    for (const span of spans) {
      expect(span.kind).toBe(SpanKind.CLIENT);
      expect(span.spanContext().traceId).toBe(parent.spanContext().traceId);
      expect(span.attributes).toMatchObject({
        'db.system.name': 'mongodb',
        'db.namespace': database,
        'db.collection.name': 'deliveries',
      });
      expect(span.attributes['server.port']).toBe(Number(new URL(inject('mongoUrl')).port));
      expect(JSON.stringify(span.attributes)).not.toContain('customer-data-1');
    }
    expect(spans.map((span) => span.attributes['db.operation.name'])).toEqual(['insert', 'find']);
  });

  it('marks a failed command', async () => {
    const failed = await client
      .db(database)
      .command({ notACommand: 1 })
      .catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(Error);
    const span = recording.spans().find((s) => s.name === 'notACommand');
    expect(span?.status.code).toBe(SpanStatusCode.ERROR);
  });

  it('refuses a client that does not monitor commands, and leaves it alone with tracing off', () => {
    const quiet = new MongoClient(inject('mongoUrl'));
    expect(() => traceMongoCommands(quiet, recording.telemetry)).toThrow(/monitorCommands/);
    traceMongoCommands(quiet, disabledTelemetry());
    expect(quiet.listenerCount('commandStarted')).toBe(0);
  });
});
