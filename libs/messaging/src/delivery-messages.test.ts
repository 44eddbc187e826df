import type { MsgHdrs } from '@nats-io/transport-node';
import { describe, expect, it } from 'vitest';
import { AttemptResult, DeliveryJob, Outcome } from '@callbacks/proto/callbacks/delivery/v1/delivery_job';
import type { AckedPublisher } from './acked-publisher';
import { publishAttemptResult, publishDeliveryJob, scheduleDeliveryJob } from './delivery-messages';
import type { PublishTracing } from './event-publisher';

/** What each publish would put on the wire: subject, Nats-Msg-Id and headers. */
function recorder() {
  const sent: { subject: string; msgId?: string; headers: Record<string, string>; data: Uint8Array }[] = [];
  const publisher = {
    publish: async (subject: string, data: Uint8Array, options: { msgId?: string; headers?: MsgHdrs }) => {
      const headers = Object.fromEntries(
        [...(options.headers?.keys() ?? [])].map((name) => [name, options.headers!.get(name)]),
      );
      sent.push({ subject, msgId: options.msgId, headers, data });
      return { stream: 'S', seq: sent.length, duplicate: false };
    },
  } as unknown as AckedPublisher;
  const tracing: PublishTracing = { publish: (_message, send) => send() };
  return { sent, publisher, tracing };
}

const job = DeliveryJob.fromPartial({ deliveryId: 'dl_1', attempt: 1, callback: { id: 'cb_1', accountId: '42' } });

describe('delivery messages', () => {
  it('queue a job on its callback subject, deduplicated by the delivery id', async () => {
    const { sent, publisher, tracing } = recorder();
    await publishDeliveryJob(
      publisher,
      tracing,
      { deliveryId: 'dl_1', accountId: '42', callbackId: 'cb_1', data: new Uint8Array([1]) },
      { 'Callbacks-Matched-By': 'm1' },
    );
    expect(sent).toEqual([
      {
        subject: 'callbacks.deliveries.v1.42.cb_1',
        msgId: 'dl_1',
        headers: { 'Content-Type': 'application/protobuf', 'Callbacks-Matched-By': 'm1' },
        data: new Uint8Array([1]),
      },
    ]);
  });

  it('schedule a later attempt on its own schedule subject, and publish one due now at once', async () => {
    const { sent, publisher, tracing } = recorder();
    const now = Date.parse('2026-12-06T10:00:00Z');
    await scheduleDeliveryJob(publisher, tracing, job, 2, new Date(now + 5_000), now);
    await scheduleDeliveryJob(publisher, tracing, job, 3, new Date(now + 100), now);
    expect(sent.map((m) => [m.subject, m.headers['Nats-Schedule'], m.headers['Nats-Schedule-Target']])).toEqual([
      ['callbacks.retries.v1.dl_1.2', '@at 2026-12-06T10:00:05.000Z', 'callbacks.deliveries.v1.42.cb_1'],
      ['callbacks.deliveries.v1.42.cb_1', undefined, undefined],
    ]);
    expect(sent.map((m) => DeliveryJob.decode(m.data).attempt)).toEqual([2, 3]);
  });

  it('report a result once per delivery, attempt and outcome', async () => {
    const { sent, publisher, tracing } = recorder();
    await publishAttemptResult(
      publisher,
      tracing,
      AttemptResult.fromPartial({
        deliveryId: 'dl_1',
        attempt: 2,
        outcome: Outcome.SUCCEEDED,
        accountId: '42',
        callbackId: 'cb_1',
      }),
    );
    expect(sent.map((m) => [m.subject, m.msgId])).toEqual([
      ['callbacks.results.v1.42.cb_1', `dl_1.2.${Outcome.SUCCEEDED}`],
    ]);
  });
});
