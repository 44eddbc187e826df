import type { CallbackTarget } from '@callbacks/proto/callbacks/delivery/v1/delivery_job';
import type { Callback } from '@callbacks/proto/callbacks/v1/callback';

/** What a delivery job carries of a callback: its settings as they are now, its secrets still sealed. */
export function callbackTarget(callback: Callback): CallbackTarget {
  const { id, accountId, databaseId, collectionId, url, format, deliveryPolicy, revision, ordering } = callback;
  const { signatureScheme, sealedSecrets } = callback;
  return {
    id,
    accountId,
    databaseId,
    collectionId,
    url,
    format,
    deliveryPolicy,
    revision,
    ordering,
    signatureScheme,
    sealedSecrets,
  };
}
