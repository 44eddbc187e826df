import { createHmac, type KeyObject, timingSafeEqual, verify as cryptoVerify } from 'node:crypto';
import { lookupHeaders, REPEATED } from '../request-headers';
import { ED25519_PUBLIC_KEY_PREFIX, ed25519PublicKey, HMAC_SECRET_PREFIX } from '../secrets/callback-secret';
import {
  decodeBase64,
  type IncomingRequest,
  reject,
  timestampProblem,
  type VerificationResult,
  type Verifier,
} from '../verification';
import { standardWebhooksContent } from './sign';

/**
 * Standard Webhooks (standardwebhooks.com) for receivers: `v1` is HMAC-SHA256 with a shared
 * `whsec_` secret, `v1a` is ed25519 with a `whpk_` public key, both over `<id>.<timestamp>.<body>`.
 */
export interface StandardWebhooksVerifierOptions {
  /** `whsec_<base64>` secrets for `v1`; several while a rotation overlaps (the prefix is optional). */
  readonly secret?: string | readonly string[];
  /** `whpk_<base64 of the raw 32-byte ed25519 key>` for `v1a`; several while a rotation overlaps. */
  readonly publicKey?: string | readonly string[];
  /** How far `webhook-timestamp` may be from the receiver's clock, either way; default 300. */
  readonly toleranceSeconds?: number;
  /** Clock in epoch milliseconds; default `Date.now`. */
  readonly now?: () => number;
}

export function createStandardWebhooksVerifier(options: StandardWebhooksVerifierOptions): Verifier {
  const secrets = list(options.secret).map((secret, index) =>
    decodeKey(secret, HMAC_SECRET_PREFIX, `secret[${index}]`),
  );
  const publicKeys = list(options.publicKey).map((key, index) => ed25519Key(key, `publicKey[${index}]`));
  if (secrets.length === 0 && publicKeys.length === 0)
    throw new TypeError('createVerifier (standard-webhooks): give a secret (v1) or a publicKey (v1a)');
  const toleranceSeconds = options.toleranceSeconds ?? 300;
  const now = options.now ?? Date.now;

  async function verify(request: IncomingRequest): Promise<VerificationResult> {
    const header = lookupHeaders(request.headers);
    const values: Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string> = {
      'webhook-id': '',
      'webhook-timestamp': '',
      'webhook-signature': '',
    };
    for (const name of Object.keys(values) as (keyof typeof values)[]) {
      const value = header(name);
      if (value === undefined || value === '') return reject('missing_header', `the ${name} header is missing`);
      if (value === REPEATED) return reject('duplicate_header', `the ${name} header appears more than once`);
      values[name] = value;
    }
    const timestamp = values['webhook-timestamp'];
    if (!/^\d{1,12}$/.test(timestamp)) return reject('bad_date', 'webhook-timestamp is not unix seconds');
    const stale = timestampProblem(Number(timestamp), now(), toleranceSeconds, 'webhook-timestamp');
    if (stale) return stale;

    const signatures = parseSignatures(values['webhook-signature']);
    if (signatures.length === 0)
      return reject('bad_signature_header', 'webhook-signature has no "<version>,<base64>" entry');
    const usable = signatures.filter(
      (s) => (s.version === 'v1' && secrets.length > 0) || (s.version === 'v1a' && publicKeys.length > 0),
    );
    if (usable.length === 0) {
      const versions = [...new Set(signatures.map((s) => s.version))].join(', ');
      return reject('unsupported_algorithm', `webhook-signature carries ${versions}, none this receiver has a key for`);
    }

    const signed = standardWebhooksContent(values['webhook-id'], timestamp, request.body);
    for (const { version, signature } of usable) {
      if (version === 'v1') {
        for (const secret of secrets) {
          const expected = createHmac('sha256', secret).update(signed).digest();
          if (expected.length === signature.length && timingSafeEqual(expected, signature))
            return { ok: true, keyId: 'v1', deliveryId: values['webhook-id'] };
        }
      } else {
        for (const key of publicKeys) {
          if (cryptoVerify(null, signed, key, signature))
            return { ok: true, keyId: 'v1a', deliveryId: values['webhook-id'] };
        }
      }
    }
    return reject('bad_signature', 'no webhook-signature entry verifies with the configured keys');
  }

  return { verify };
}

/** `v1,<b64> v1a,<b64>`: entries the receiver cannot decode are skipped, as the reference libraries do. */
function parseSignatures(header: string): { version: string; signature: Buffer }[] {
  const entries: { version: string; signature: Buffer }[] = [];
  for (const entry of header.split(' ')) {
    const comma = entry.indexOf(',');
    if (comma <= 0) continue;
    const signature = decodeBase64(entry.slice(comma + 1));
    if (signature) entries.push({ version: entry.slice(0, comma), signature });
  }
  return entries;
}

function list(value: string | readonly string[] | undefined): readonly string[] {
  if (value === undefined) return [];
  return typeof value === 'string' ? [value] : value;
}

/** The key bytes of a prefixed base64 key; the message names the option, never the key. */
function decodeKey(value: string, prefix: string, option: string): Buffer {
  const text = value.startsWith(prefix) ? value.slice(prefix.length) : value;
  const bytes = decodeBase64(text);
  if (!bytes || bytes.length === 0)
    throw new TypeError(`createVerifier (standard-webhooks): ${option} is not ${prefix}<base64>`);
  return bytes;
}

function ed25519Key(value: string, option: string): KeyObject {
  const raw = decodeKey(value, ED25519_PUBLIC_KEY_PREFIX, option);
  if (raw.length !== 32)
    throw new TypeError(`createVerifier (standard-webhooks): ${option} is not a 32-byte ed25519 public key`);
  return ed25519PublicKey(raw);
}
