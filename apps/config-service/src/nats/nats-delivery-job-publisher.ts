import { headers as natsHeaders } from '@nats-io/transport-node';
import { UnavailableError } from '@callbacks/domain';
import { CONTENT_TYPES, HEADERS, PublishError, STREAMS, SUBJECTS, SUBJECT_TEMPLATES, type AckedPublisher } from '@callbacks/messaging';
import { DeliveryJob } from '@callbacks/proto/callbacks/delivery/v1/delivery_job';
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
    const h = natsHeaders();
    h.set(HEADERS.contentType, CONTENT_TYPES.protobuf);
    const subject = SUBJECTS.deliveryJob(target.accountId, target.id);
    try {
      await this.tracing.publish({ subject, template: SUBJECT_TEMPLATES.deliveryJob, headers: h, msgId: job.deliveryId }, () =>
        this.publisher.publish(subject, DeliveryJob.encode(job).finish(), { msgId: job.deliveryId, headers: h }),
      );
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
