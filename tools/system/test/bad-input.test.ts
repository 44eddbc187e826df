import { type ServiceError, status } from '@grpc/grpc-js';
import { jetstream, type PubAck } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveryIdFor } from '@callbacks/domain';
import { HEADERS, MAX_EVENT_BYTES, STREAMS, SUBJECTS } from '@callbacks/messaging';
import type { Callback } from '@callbacks/proto/callbacks/v1/callback';
import {
  callRaw,
  checkHealth,
  countMessages,
  readStream,
  sampleCallback,
  violatedFields,
  waitForConsumerIdle,
} from '@callbacks/testing';
import { CountingReceiver } from '../src/receiver';
import { System } from '../src/system';
import { eventCases, PROTOBUF, protobuf, subject } from './bad-input/event-cases';
import { ACCOUNT, EVENTS_DB, sample } from './bad-input/fixtures';
import { bearer, type CaseContext, grpcCases } from './bad-input/grpc-cases';

/**
 * Issue 9, point 6: malformed gRPC requests and malformed profile events (the cases are in
 * ./bad-input), each with the specific error it must get (a status code with its message and
 * field paths; a dead letter with its reason and the original bytes), against the whole system
 * as processes; and afterwards every service still healthy.
 */

/** The matcher's durable consumer on the events stream. */
const MATCHER_CONSUMER = 'matcher';

let system: System;
let receiver: CountingReceiver;
/** A saved callback (fires for every event of ACCOUNT/EVENTS_DB), for requests that name one. */
let existing: Callback;

beforeAll(async () => {
  receiver = await CountingReceiver.start();
  system = await System.start();
  existing = await system.createCallback(
    sampleCallback({
      accountId: ACCOUNT,
      databaseId: EVENTS_DB,
      url: receiver.url('/events'),
      actions: [],
      triggers: [],
    }),
  );
});
afterAll(async () => {
  await system?.close();
  await receiver?.close();
});

/** The services' last log lines, for an assertion to tell where a delivery stopped. */
const recentLogs = () =>
  [system.config, ...system.matchers, ...system.dispatchers]
    .map((s) => `${s.app}:\n${s.output.slice(-10).join('\n')}`)
    .join('\n');

/*
 * Every status must fit in the trailers any gRPC client takes (gRPC C++ caps metadata at 8 KiB
 * by default): an oversized one hangs a grpc-js client and the calls after it.
 */
const MAX_TRAILER_BYTES = 8 * 1024;

describe('malformed gRPC requests', () => {
  it('has at least 50 cases', () => {
    expect(grpcCases.length).toBeGreaterThanOrEqual(50);
  });

  it.each(grpcCases)('$method, $name', async (c) => {
    const w: CaseContext = { token: system.token, existing };
    const metadata = c.metadata?.(w) ?? bearer(`Bearer ${w.token}`);
    const { error } = await callRaw(system.address, `/callbacks.v1.CallbackService/${c.method}`, c.body(w), metadata);
    expect(error, 'the call should have failed').not.toBeNull();
    const failure = error as ServiceError;
    expect(status[failure.code]).toBe(status[c.code]);
    expect(failure.details).toMatch(c.message);
    const details = failure.metadata.get('grpc-status-details-bin')[0];
    expect(Buffer.byteLength(failure.details) + (details?.length ?? 0)).toBeLessThan(MAX_TRAILER_BYTES);
    if (c.fields) expect(violatedFields(failure)).toEqual(c.fields);
    if (c.fieldsStartWith)
      expect(violatedFields(failure).slice(0, c.fieldsStartWith.length)).toEqual(c.fieldsStartWith);
  });
});

describe('malformed profile events', () => {
  const sent = new Map<string, { ack: PubAck; body: Uint8Array }>();
  let letters: Map<
    number,
    { subject: string; reason: string; originalSubject: string; contentType: string; data: Uint8Array }
  >;
  let goodDeliveryId: string;
  let lettersBefore: number;

  beforeAll(async () => {
    const js = jetstream(system.nc);
    lettersBefore = await countMessages(system.nc, STREAMS.deadLetters.name, SUBJECTS.allDeadLetters);
    for (const c of eventCases) {
      const h = natsHeaders();
      if (c.contentType !== undefined) h.set(HEADERS.contentType, c.contentType);
      const body = c.body();
      sent.set(c.name, { ack: await js.publish(c.subject, body, { headers: h }), body });
    }
    // A good event after all of them must still be delivered, end to end.
    const good = sample();
    goodDeliveryId = deliveryIdFor(good.eventId, existing.id);
    const arrived = receiver.waitForDistinct(receiver.distinct.size + 1, 120_000);
    await system.publisher.publish(good);
    await arrived;
    await waitForConsumerIdle(system.nc, STREAMS.events.name, MATCHER_CONSUMER, 120_000);

    const read = await readStream(
      system.nc,
      STREAMS.deadLetters.name,
      SUBJECTS.allDeadLetters,
      lettersBefore + eventCases.length,
    );
    letters = new Map(
      read.slice(lettersBefore).map((m) => [
        Number(m.headers?.get(HEADERS.originalSequence)),
        {
          subject: m.subject,
          reason: m.headers?.get(HEADERS.deadLetterReason) ?? '',
          originalSubject: m.headers?.get(HEADERS.originalSubject) ?? '',
          contentType: m.headers?.get(HEADERS.contentType) ?? '',
          data: m.data,
        },
      ]),
    );
  });

  it('has at least 20 cases', () => {
    expect(eventCases.length).toBeGreaterThanOrEqual(20);
  });

  it.each(eventCases)('$name', (c) => {
    const { ack, body } = sent.get(c.name)!;
    const letter = letters.get(ack.seq);
    expect(letter, `no dead letter for stream sequence ${ack.seq}`).toBeDefined();
    expect(letter!.subject).toBe(SUBJECTS.deadLetterEvents);
    expect(letter!.reason).toMatch(c.reason);
    expect(letter!.originalSubject).toBe(c.subject);
    expect(letter!.contentType).toBe(c.contentType ?? '');
    expect(Buffer.from(letter!.data).equals(Buffer.from(body)), 'the original bytes, unchanged').toBe(true);
  });

  it('dead-letters each bad event exactly once and delivers the good event published after them', async () => {
    expect(await countMessages(system.nc, STREAMS.deadLetters.name, SUBJECTS.allDeadLetters)).toBe(
      lettersBefore + eventCases.length,
    );
    expect(receiver.distinct.has(goodDeliveryId), `not delivered; the services' last log lines:\n${recentLogs()}`).toBe(
      true,
    );
  });

  it('hands every event to the matcher once: none is redelivered', async () => {
    const info = await (
      await jetstream(system.nc).jetstreamManager()
    ).consumers.info(STREAMS.events.name, MATCHER_CONSUMER);
    expect(info.num_ack_pending).toBe(0);
    expect(info.num_redelivered).toBe(0);
    // Consumer and stream sequences advance together unless a message is delivered again.
    expect(info.delivered.consumer_seq).toBe(info.delivered.stream_seq);
  });

  it('refuses an event too large to be passed on, to its publisher', async () => {
    const h = natsHeaders();
    h.set(HEADERS.contentType, PROTOBUF);
    const before = await countMessages(system.nc, STREAMS.events.name, SUBJECTS.allEvents);
    const huge = protobuf({
      fields: Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`f${i}`, 'x'.repeat(64 * 1024)])),
    });
    expect(huge.length).toBeGreaterThan(MAX_EVENT_BYTES);
    await expect(jetstream(system.nc).publish(subject(), huge, { headers: h })).rejects.toThrow(
      /message size exceeds maximum allowed/,
    );
    expect(await countMessages(system.nc, STREAMS.events.name, SUBJECTS.allEvents)).toBe(before);
  });
});

describe('afterwards', () => {
  it('every service is still running, healthy and delivering', async () => {
    for (const service of [system.config, ...system.matchers, ...system.dispatchers]) {
      expect(service.pid, `${service.app} exited`).toBeDefined();
      expect(() => process.kill(service.pid!, 0), `${service.app} is gone`).not.toThrow();
      const errors = service.output.filter((line) => /"level":"(error|fatal)"/.test(line));
      expect(errors, `${service.app} logged errors`).toEqual([]);
    }
    expect(await checkHealth(system.address)).toBe('SERVING');
    expect(await checkHealth(system.address, 'callbacks.v1.CallbackService')).toBe('SERVING');

    const fresh = await system.createCallback(
      sampleCallback({
        accountId: ACCOUNT,
        databaseId: 'afterwards',
        url: receiver.url('/afterwards'),
        actions: [],
        triggers: [],
      }),
    );
    const event = sample({ databaseId: 'afterwards' });
    const arrived = receiver.waitForDistinct(receiver.distinct.size + 1, 120_000);
    await system.publisher.publish(event);
    expect(await arrived, `not delivered; the services' last log lines:\n${recentLogs()}`).toBe(true);
    expect(receiver.distinct.has(deliveryIdFor(event.eventId, fresh.id))).toBe(true);
  });
});
