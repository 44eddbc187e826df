import { createPublicKey, type KeyObject } from 'node:crypto';

/**
 * Public keys are published like DKIM keys (RFC 6376 §3.6.1): a TXT record
 * `v=DKIM1;k=rsa;p=<base64 DER SubjectPublicKeyInfo>` at `<selector>._domainkey.<domain>`.
 * Written without spaces: the original product's PHP library splits the record on `;` and each
 * tag on `=` without trimming, so it would look for the tag `" p"`.
 */

/** Smallest RSA modulus the verifier trusts, and the smallest the signer will load. */
export const MIN_RSA_BITS = 2048;

export function formatDkimRecord(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return `v=DKIM1;k=rsa;p=${der.toString('base64')}`;
}

/**
 * Why receivers built on the original product's PHP library cannot read this record, if they
 * cannot. It splits each tag on every `=`, so a `p=` that ends in base64 padding loses the padding
 * and no longer decodes: true of every 3072- and 4096-bit RSA key, of no 2048-bit one.
 */
export function unreadableByOriginalLibrary(record: string): string | undefined {
  const p = /(?:^|;)\s*p=([^;]*)/.exec(record)?.[1]?.trim() ?? '';
  if (!p.endsWith('=')) return undefined;
  return (
    'its p= ends in base64 padding ("="), which receivers built on the original product\'s PHP ' +
    'library cut off (they split each tag on every "="), so they can never read this key; ' +
    'a 2048-bit RSA key has no padding'
  );
}

export type ParsedDkimRecord =
  { readonly ok: true; readonly publicKey: KeyObject } | { readonly ok: false; readonly message: string };

/**
 * Reads the public key from a DKIM key record. Tolerant where RFC 6376 §3.2 is: whitespace around
 * tags, `=` and `;`, inside the base64 of `p=`, tags in any order, a trailing `;`, unknown tags
 * (ignored). Strict where it matters: a repeated tag invalidates the record, `v=` must be `DKIM1`,
 * `k=` must be `rsa`, an `h=` list must allow sha256, and an empty `p=` means the key was revoked.
 */
export function parseDkimRecord(record: string): ParsedDkimRecord {
  const tags = new Map<string, string>();
  for (const spec of record.split(';')) {
    if (spec.trim() === '') continue;
    const eq = spec.indexOf('=');
    if (eq < 0) return { ok: false, message: `tag without "=": ${JSON.stringify(spec.trim())}` };
    const name = spec.slice(0, eq).trim();
    if (tags.has(name)) return { ok: false, message: `tag ${name}= appears more than once` };
    tags.set(name, spec.slice(eq + 1).trim());
  }

  const version = tags.get('v');
  if (version !== undefined && version !== 'DKIM1') return { ok: false, message: `unsupported version v=${version}` };
  const keyType = tags.get('k') ?? 'rsa';
  if (keyType.toLowerCase() !== 'rsa') return { ok: false, message: `unsupported key type k=${keyType}` };
  const hashes = tags.get('h');
  if (hashes !== undefined && !hashes.split(':').some((h) => h.trim().toLowerCase() === 'sha256')) {
    return { ok: false, message: `h=${hashes} does not allow sha256` };
  }
  const p = tags.get('p');
  if (p === undefined) return { ok: false, message: 'no p= tag' };
  const base64 = p.replace(/\s+/g, '');
  if (base64 === '') return { ok: false, message: 'the key is revoked (empty p=)' };
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) return { ok: false, message: 'p= is not base64' };

  const publicKey = readRsaPublicKey(Buffer.from(base64, 'base64'));
  if (!publicKey) return { ok: false, message: 'p= is not an RSA public key' };
  const bits = publicKey.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_RSA_BITS) return { ok: false, message: `the key has ${bits} bits, fewer than ${MIN_RSA_BITS}` };
  return { ok: true, publicKey };
}

/**
 * SPEC §7.2 publishes a SubjectPublicKeyInfo, which is what DKIM signers publish in practice;
 * RFC 6376's text names a bare PKCS#1 RSAPublicKey, so that form is accepted too.
 */
function readRsaPublicKey(der: Buffer): KeyObject | undefined {
  for (const type of ['spki', 'pkcs1'] as const) {
    try {
      const key = createPublicKey({ key: der, format: 'der', type });
      return key.asymmetricKeyType === 'rsa' ? key : undefined;
    } catch {
      // Not this encoding; the next one is tried, and no encoding at all is reported by the caller.
      continue;
    }
  }
  return undefined;
}
