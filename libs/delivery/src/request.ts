import type { CallbackTarget } from '@callbacks/proto/callbacks/delivery/v1/delivery_job';
import type { ProfileEvent } from '@callbacks/proto/callbacks/events/v1/profile_event';
import { buildPayload } from './payload';
import { renderBody } from './render';
import { signDelivery, type SigningKeys } from './sign';

/** The idempotency header: the delivery id, the same on every attempt (SPEC §7.1). */
export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
export const ATTEMPT_HEADER = 'X-Callbacks-Attempt';
/** An ordered delivery's per-profile sequence, as in the payload (sent only by ordered callbacks). */
export const SEQUENCE_HEADER = 'X-Callbacks-Sequence';
export const USER_AGENT = 'Callbacks/0.1 (+webhooks)';

export interface DeliveryRequest {
  url: URL;
  /** Every header to send, exactly as signed. */
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * The request of one delivery attempt (SPEC §7.1–7.2, §8a): the payload rendered in the callback's
 * format, signed in its scheme, plus the account, idempotency and attempt headers. Throws when the
 * URL is unusable or no key or secret can sign now.
 */
export function prepareDeliveryRequest(
  delivery: { deliveryId: string; attempt: number; callback: CallbackTarget; event: ProfileEvent; sequence?: number },
  options: SigningKeys & { now?: number },
): DeliveryRequest {
  const url = new URL(delivery.callback.url);
  const { contentType, body } = renderBody(
    delivery.callback.format,
    buildPayload(delivery.deliveryId, delivery.event, delivery.sequence),
  );
  const now = options.now ?? Date.now();
  // Signed headers first, then ours, added to the same object: spreading them into a new one
  // cost a delivery more than rendering its body.
  const headers = signDelivery(
    delivery.callback,
    { url, contentType, body, deliveryId: delivery.deliveryId, now },
    options,
  );
  headers[IDEMPOTENCY_HEADER] = delivery.deliveryId;
  headers[ATTEMPT_HEADER] = String(delivery.attempt);
  headers['User-Agent'] = USER_AGENT;
  if (delivery.sequence) headers[SEQUENCE_HEADER] = String(delivery.sequence);
  return { url, body, headers };
}
