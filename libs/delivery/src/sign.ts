import type { CallbackTarget } from '@callbacks/proto/callbacks/delivery/v1/delivery_job';
import { type SealedSecret, SignatureScheme } from '@callbacks/proto/callbacks/v1/callback';
import {
  accountHeaderValue,
  ed25519PrivateKey,
  type KeyRing,
  type PlatformKeyRing,
  SigningInputError,
  signRequest,
  signRfc9421,
  signStandardWebhooks,
} from '@callbacks/signature';

/** What signing needs: the RSA ring for the original scheme, the platform keys to open per-callback secrets. */
export interface SigningKeys {
  keyRing?: KeyRing | undefined;
  platformKeys?: PlatformKeyRing | undefined;
}

/** The kind of secret each scheme signs with; the original product's uses the platform's RSA key ring instead. */
export function secretKindOf(scheme: SignatureScheme): 'hmac' | 'ed25519' | undefined {
  switch (scheme) {
    case SignatureScheme.STANDARD_WEBHOOKS_V1:
      return 'hmac';
    case SignatureScheme.STANDARD_WEBHOOKS_V1A:
    case SignatureScheme.RFC9421:
      return 'ed25519';
    default:
      return undefined;
  }
}

/** What ties a sealed secret to its callback: opening it under another callback's id fails. */
export function secretContext(callbackId: string, keyId: string): string {
  return `callbacks/secret/${callbackId}/${keyId}`;
}

/**
 * The signature headers of one attempt in the callback's scheme (SPEC §7.2, §8a). Secrets whose
 * overlap has ended are left out; the current one and one in its overlap both sign.
 */
export function signDelivery(
  target: CallbackTarget,
  request: { url: URL; contentType: string; body: Buffer; deliveryId: string; now: number },
  keys: SigningKeys,
): Record<string, string> {
  const scheme = target.signatureScheme;
  const kind = secretKindOf(scheme);
  if (kind === undefined) {
    if (!keys.keyRing) throw new SigningInputError('no signing key ring is configured');
    return signRequest(
      { url: request.url, contentType: request.contentType, body: request.body, accountId: target.accountId },
      { keyRing: keys.keyRing, now: () => request.now },
    );
  }
  const secrets = openSecrets(target, request.now, keys.platformKeys);
  const seconds = Math.floor(request.now / 1000);
  // The headers the original scheme signs are sent unsigned by the others, so receivers see the
  // same request (and the account) whatever the scheme.
  const headers: Record<string, string> = {
    Host: request.url.host,
    'Content-Type': request.contentType,
    'Content-Length': String(request.body.byteLength),
    'X-Copernica-ID': accountHeaderValue(target.accountId),
  };
  const signed =
    scheme === SignatureScheme.RFC9421
      ? signRfc9421(
          { url: request.url, contentType: request.contentType, body: request.body, created: seconds },
          secrets.map((s) => ({ keyId: s.keyId, privateKey: ed25519PrivateKey(s.secret) })),
        )
      : signStandardWebhooks(
          { id: request.deliveryId, timestamp: seconds, body: request.body },
          secrets.map((s) =>
            kind === 'hmac'
              ? { kind: 'hmac' as const, secret: s.secret }
              : { kind: 'ed25519' as const, privateKey: ed25519PrivateKey(s.secret) },
          ),
        );
  return Object.assign(headers, signed);
}

function openSecrets(
  target: CallbackTarget,
  now: number,
  platformKeys: PlatformKeyRing | undefined,
): { keyId: string; secret: Buffer }[] {
  if (!platformKeys) throw new SigningInputError('no platform key ring is configured to open callback secrets');
  const live = target.sealedSecrets.filter((s: SealedSecret) => !s.expireTime || s.expireTime.getTime() > now);
  if (live.length === 0) throw new SigningInputError(`callback ${target.id} has no secret to sign with`);
  return live.map((s) => ({ keyId: s.keyId, secret: platformKeys.open(s, secretContext(target.id, s.keyId)) }));
}
