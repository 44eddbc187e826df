import { createHmac, type KeyObject, sign } from 'node:crypto';
import { SigningInputError } from '../errors';

/**
 * Standard Webhooks (https://www.standardwebhooks.com): `webhook-id`, `webhook-timestamp` and
 * `webhook-signature`, signing `<id>.<timestamp>.<body>`. `v1` is HMAC-SHA256 with the secret's
 * bytes, `v1a` ed25519; several signatures are sent space-separated while a secret rotates.
 */
export type StandardWebhooksKey =
  { readonly kind: 'hmac'; readonly secret: Uint8Array } | { readonly kind: 'ed25519'; readonly privateKey: KeyObject };

export interface StandardWebhooksMessage {
  /** The delivery id: the same on every attempt, so receivers can drop repeats. */
  readonly id: string;
  /** Unix seconds of this attempt. */
  readonly timestamp: number;
  readonly body: Uint8Array;
}

export interface StandardWebhooksHeaders {
  readonly 'webhook-id': string;
  readonly 'webhook-timestamp': string;
  readonly 'webhook-signature': string;
}

// The id is part of the signed content, where a "." or a space would make it ambiguous.
const MESSAGE_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** What both versions sign: `<id>.<timestamp>.<body>`. */
export function standardWebhooksContent(id: string, timestamp: string, body: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(`${id}.${timestamp}.`), body]);
}

export function signStandardWebhooks(
  message: StandardWebhooksMessage,
  keys: readonly StandardWebhooksKey[],
): StandardWebhooksHeaders {
  if (!MESSAGE_ID.test(message.id))
    throw new SigningInputError(`message id ${JSON.stringify(message.id)} is not a valid id`);
  if (!Number.isSafeInteger(message.timestamp) || message.timestamp < 0)
    throw new SigningInputError('the timestamp must be whole unix seconds');
  if (keys.length === 0) throw new SigningInputError('no secret to sign with');
  const timestamp = String(message.timestamp);
  const content = standardWebhooksContent(message.id, timestamp, message.body);
  const signatures = keys.map((key) =>
    key.kind === 'hmac'
      ? `v1,${createHmac('sha256', key.secret).update(content).digest('base64')}`
      : `v1a,${sign(null, content, key.privateKey).toString('base64')}`,
  );
  return { 'webhook-id': message.id, 'webhook-timestamp': timestamp, 'webhook-signature': signatures.join(' ') };
}
