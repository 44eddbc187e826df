import { jetstream, type JsMsg } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Server, startNats } from '@callbacks/infra';
import {
  AckedPublisher,
  connectNats,
  ensureStream,
  type NatsConnection,
  STREAMS,
  SUBJECT_TEMPLATES,
  SUBJECTS,
} from '@callbacks/messaging';
import { NatsTracing } from '../src/nats';
import { recordSpans, spanNamed } from './recording';

const recording = recordSpans();
const tracing = new NatsTracing(recording.telemetry);
let nats: Server;
let nc: NatsConnection;
let publisher: AckedPublisher;

beforeAll(async () => {
  nats = await startNats();
  nc = await connectNats({ servers: [nats.url], name: 'telemetry-test' });
  await ensureStream(nc, 'deliveries', { replicas: 1, maxAgeMs: 3_600_000, duplicateWindowMs: 60_000 });
  publisher = new AckedPublisher(nc);
});
afterAll(async () => {
  publisher?.close();
  await nc?.close();
  await nats?.close();
  await recording.stop();
});

/** The next message on a delivery job subject, through an ordered consumer. */
async function nextJob(subject: string): Promise<JsMsg> {
  const consumer = await jetstream(nc).consumers.get(STREAMS.deliveries.name, { filter_subjects: [subject] });
  const messages = await consumer.consume();
  try {
    for await (const msg of messages) return msg;
  } finally {
    await messages.close();
  }
  throw new Error(`no message on ${subject}`);
}

describe('trace context through JetStream', () => {
  it('survives a message schedule: the retry the server publishes later continues the attempt’s trace', async () => {
    // An attempt (a consumed job) schedules the next one, as the dispatcher's retry scheduler does.
    const attempt = tracing.consume(
      { subject: SUBJECTS.deliveryJob('acct-a', 'cb_1'), data: new Uint8Array() },
      SUBJECT_TEMPLATES.deliveryJob,
      'dispatcher',
    );
    const target = SUBJECTS.deliveryJob('acct-a', 'cb_sched');
    const schedule = SUBJECTS.retrySchedule('dl_sched', 2);
    const headers = natsHeaders();
    headers.set('Nats-Schedule', `@at ${new Date(Date.now() + 1_000).toISOString()}`);
    headers.set('Nats-Schedule-Target', target);
    await attempt.publish({ subject: schedule, template: SUBJECT_TEMPLATES.retrySchedule, headers }, () =>
      publisher.publish(schedule, 'job', { headers }),
    );
    attempt.end();

    const retry = await nextJob(target);
    expect(retry.headers?.get('Nats-Scheduler')).toBe(schedule); // the server published it, from the schedule
    const next = tracing.consume(retry, SUBJECT_TEMPLATES.deliveryJob, 'dispatcher');
    next.end();

    const [first, second] = recording
      .spans()
      .filter((span) => span.name === `process ${SUBJECT_TEMPLATES.deliveryJob}`);
    const scheduled = spanNamed(recording.spans(), `publish ${SUBJECT_TEMPLATES.retrySchedule}`);
    expect(scheduled.parentSpanContext?.spanId).toBe(first!.spanContext().spanId);
    expect(second!.parentSpanContext?.spanId).toBe(scheduled.spanContext().spanId);
    expect(second!.spanContext().traceId).toBe(first!.spanContext().traceId);
  });
});
