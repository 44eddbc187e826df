import { UnavailableError } from '@callbacks/domain';
import { type AckedPublisher, publishDeliveryJob, PublishError, STREAMS } from '@callbacks/messaging';
import { DeliveryJob } from '@callbacks/proto/callbacks/delivery/v1/delivery_job';
import { encodeMessage } from '@callbacks/proto/encode';
import type { NatsTracing } from '@callbacks/telemetry';
import type { DeliveryJobPublisher } from '../deliveries/ports';

/**
 * Queues a delivery job (a replay) as the matcher does: on `callbacks.deliveries.v1.<account>.<callback>`,
 * `Nats-Msg-Id` = the delivery id, and only done once the stream has stored it. The replayed
 * delivery continues the trace of the ReplayDeliveries call.
 */
export class NatsDeliveryJobPublisher implements DeliveryJobPublisher {
  constructor(
    private readonly publisher: AckedPublisher,
    private readonly tracing: NatsTracing,
  ) {}

  async publish(job: DeliveryJob): Promise<void> {
    const target = job.callback;
    if (!target) throw new Error(`delivery job ${job.deliveryId} has no callback`);
    try {
      await publishDeliveryJob(this.publisher, this.tracing, {
        deliveryId: job.deliveryId,
        accountId: target.accountId,
        callbackId: target.id,
        data: encodeMessage(DeliveryJob, job),
      });
    } catch (error) {
      // The matchers and dispatchers own the deliveries stream; without it nothing can be queued.
      const why =
        error instanceof PublishError && error.code === 503
          ? `no stream stores delivery jobs: ${STREAMS.deliveries.name} is created by the matchers and dispatchers`
          : (error as Error).message;
      throw new UnavailableError(`could not queue delivery ${job.deliveryId} (${why}); retry later`, { cause: error });
    }
  }
}
