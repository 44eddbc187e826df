import { type CallbackTarget, DeliveryJob } from '@callbacks/proto/callbacks/delivery/v1/delivery_job';
import type { ProfileEvent } from '@callbacks/proto/callbacks/events/v1/profile_event';

/** A delivery job with everything an attempt needs. */
export type ReadyJob = DeliveryJob & { callback: CallbackTarget; event: ProfileEvent };

export type DecodedJob = { ok: true; job: ReadyJob } | { ok: false; reason: string };

export function decodeJob(data: Uint8Array): DecodedJob {
  let job: DeliveryJob;
  try {
    job = DeliveryJob.decode(data);
  } catch (error) {
    return { ok: false, reason: `undecodable delivery job: ${(error as Error).message}` };
  }
  if (!job.callback || !job.event) return { ok: false, reason: 'a delivery job without its callback or event' };
  if (job.deliveryId === '' || job.attempt < 1)
    return { ok: false, reason: 'a delivery job without an id or attempt number' };
  return { ok: true, job: job as ReadyJob };
}

/** Where a job is delivered to: requests to one origin share its limits and its breaker. */
export function endpointOf(job: ReadyJob): string {
  try {
    return new URL(job.callback.url).origin;
  } catch {
    return job.callback.url;
  }
}
