import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';

/**
 * Per-callback secrets in the forms receivers know them: Standard Webhooks' `whsec_` (HMAC) and
 * `whpk_` (ed25519 public key), and the raw base64 or PEM public key RFC 9421 verifiers take.
 */

export type SecretKind = 'hmac' | 'ed25519';

/** A freshly generated secret: the bytes to seal, and for ed25519 the raw public key to publish. */
export interface GeneratedSecret {
  readonly kind: SecretKind;
  /** HMAC: 32 random bytes. ed25519: the private key as PKCS#8 DER. */
  readonly secret: Buffer;
  /** ed25519: the raw 32-byte public key; empty for HMAC. */
  readonly publicKey: Buffer;
}

export const HMAC_SECRET_PREFIX = 'whsec_';
export const ED25519_PUBLIC_KEY_PREFIX = 'whpk_';

export function generateSecret(kind: SecretKind): GeneratedSecret {
  if (kind === 'hmac') return { kind, secret: randomBytes(32), publicKey: Buffer.alloc(0) };
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    kind,
    secret: privateKey.export({ format: 'der', type: 'pkcs8' }),
    publicKey: rawEd25519PublicKey(publicKey),
  };
}

/** `whsec_<base64>`: how Standard Webhooks libraries take an HMAC secret. */
export function formatHmacSecret(secret: Uint8Array): string {
  return HMAC_SECRET_PREFIX + Buffer.from(secret).toString('base64');
}

/** The ed25519 private key a sealed PKCS#8 secret holds. */
export function ed25519PrivateKey(pkcs8: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' });
}

/** A raw 32-byte ed25519 public key (the form `whpk_` and RFC 9421's base64 carry) as a key. */
export function ed25519PublicKey(raw: Uint8Array): KeyObject {
  if (raw.byteLength !== 32) throw new TypeError('an ed25519 public key is 32 bytes');
  return createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') },
    format: 'jwk',
  });
}

/** A raw 32-byte ed25519 public key as a PEM SubjectPublicKeyInfo. */
export function ed25519PublicKeyPem(raw: Uint8Array): string {
  return ed25519PublicKey(raw).export({ format: 'pem', type: 'spki' }).toString();
}

function rawEd25519PublicKey(key: KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' });
  return Buffer.from(jwk.x ?? '', 'base64url');
}
