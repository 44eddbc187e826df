import { randomBytes } from 'node:crypto';
import { secretContext, secretKindOf } from '@callbacks/delivery';
import {
  type Callback,
  type SealedSecret,
  type SecretInfo,
  SignatureScheme,
} from '@callbacks/proto/callbacks/v1/callback';
import type { RevealedSecret } from '@callbacks/proto/callbacks/v1/callback_service';
import {
  ED25519_PUBLIC_KEY_PREFIX,
  ed25519PublicKeyPem,
  formatHmacSecret,
  generateSecret,
  type PlatformKeyRing,
} from '@callbacks/signature';
import { FailedPreconditionError } from '../errors';

/** A new secret: sealed for storage, and in clear for the one response that shows it. */
export interface IssuedSecret {
  sealed: SealedSecret;
  revealed: RevealedSecret;
}

/**
 * Makes, seals and opens per-callback secrets (SPEC §8a): the one place in this service that sees
 * them in clear. Without a platform key ring only the original product's scheme is available.
 */
export class CallbackSecrets {
  constructor(private readonly platformKeys: PlatformKeyRing | undefined) {}

  /** A new secret for the scheme, or undefined for the original product's (it signs with the platform's RSA keys). */
  issue(callbackId: string, scheme: SignatureScheme, now: Date): IssuedSecret | undefined {
    const kind = secretKindOf(scheme);
    if (kind === undefined) return undefined;
    const keys = this.requireKeys();
    const generated = generateSecret(kind);
    const keyId = `key_${randomBytes(12).toString('base64url')}`;
    const sealed: SealedSecret = {
      keyId,
      ...keys.seal(generated.secret, secretContext(callbackId, keyId)),
      createTime: now,
      expireTime: undefined,
      publicKey: generated.publicKey,
    };
    return { sealed, revealed: reveal(scheme, sealed, generated.secret) };
  }

  /** The secrets in clear (the public key for ed25519 schemes), current first. */
  reveal(callback: Callback): RevealedSecret[] {
    const keys = this.requireKeys();
    return callback.sealedSecrets.map((sealed) =>
      reveal(callback.signatureScheme, sealed, keys.open(sealed, secretContext(callback.id, sealed.keyId))),
    );
  }

  private requireKeys(): PlatformKeyRing {
    if (!this.platformKeys) {
      throw new FailedPreconditionError(
        'this config service has no platform key ring for per-callback secrets: set SECRET_KEY_RING or SECRET_KEY_RING_FILE, or keep the default signature scheme',
      );
    }
    return this.platformKeys;
  }
}

function reveal(scheme: SignatureScheme, sealed: SealedSecret, secret: Buffer): RevealedSecret {
  const info = secretInfo(scheme, sealed);
  return {
    keyId: info.keyId,
    // The ed25519 private key never leaves the platform: receivers verify with the public key.
    secret: secretKindOf(scheme) === 'hmac' ? formatHmacSecret(secret) : '',
    publicKey: info.publicKey,
    publicKeyPem: info.publicKeyPem,
    createTime: info.createTime,
    expireTime: info.expireTime,
  };
}

/** What the API shows of a secret: ids, times and the public key, never the secret. */
export function secretInfo(scheme: SignatureScheme, sealed: SealedSecret): SecretInfo {
  const raw = Buffer.from(sealed.publicKey);
  const hasPublicKey = raw.byteLength > 0;
  const base64 = raw.toString('base64');
  return {
    keyId: sealed.keyId,
    publicKey: !hasPublicKey
      ? ''
      : scheme === SignatureScheme.STANDARD_WEBHOOKS_V1A
        ? ED25519_PUBLIC_KEY_PREFIX + base64
        : base64,
    publicKeyPem: hasPublicKey ? ed25519PublicKeyPem(raw) : '',
    createTime: sealed.createTime,
    expireTime: sealed.expireTime,
  };
}

/** A callback as the API returns it: public facts of its secrets, the sealed ones left out. */
export function apiView(callback: Callback): Callback {
  return {
    ...callback,
    secrets: callback.sealedSecrets.map((sealed) => secretInfo(callback.signatureScheme, sealed)),
    sealedSecrets: [],
  };
}

/** The secrets still signing at `now`: expired ones are dropped when a callback is written. */
export function liveSecrets(sealed: readonly SealedSecret[], now: Date): SealedSecret[] {
  return sealed.filter((s) => !s.expireTime || s.expireTime.getTime() > now.getTime());
}
