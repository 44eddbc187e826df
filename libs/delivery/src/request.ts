import type { CallbackTarget } from '@callbacks/proto/callbacks/delivery/v1/delivery_job';
import type { ProfileEvent } from '@callbacks/proto/callbacks/events/v1/profile_event';
import { type KeyRing, signRequest } from '@callbacks/signature';
import { buildPayload } from './payload';
import { renderBody } from './render';

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
 * The request of one delivery attempt (SPEC §7.1–7.2): the payload rendered in the callback's
 * format, signed with the ring's current key, plus the idempotency, attempt and trace headers.
 * Throws when the URL is unusable or no signing key is valid now.
 */
export function prepareDeliveryRequest(
  delivery: { deliveryId: string; attempt: number; callback: CallbackTarget; event: ProfileEvent; sequence?: number },
  options: { keyRing: KeyRing; now?: number },
): DeliveryRequest {
  const url = new URL(delivery.callback.url);
  const { contentType, body } = renderBody(
    delivery.callback.format,
    buildPayload(delivery.deliveryId, delivery.event, delivery.sequence),
  );
  const now = options.now ?? Date.now();
  const signed = signRequest(
    { url, contentType, body, accountId: delivery.callback.accountId },
    { keyRing: options.keyRing, now: () => now },
  );
  return {
    url,
    body,
    headers: {
      ...signed,
      [IDEMPOTENCY_HEADER]: delivery.deliveryId,
      [ATTEMPT_HEADER]: String(delivery.attempt),
      'User-Agent': USER_AGENT,
      ...(delivery.sequence ? { [SEQUENCE_HEADER]: String(delivery.sequence) } : {}),
    },
  };
}
