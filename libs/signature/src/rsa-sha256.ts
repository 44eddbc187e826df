import { constants, hash, publicDecrypt, verify, type KeyObject } from 'node:crypto';

/**
 * RSASSA-PKCS1-v1_5 verification with SHA-256 (RFC 8017 §8.2.2) by encoding and comparing: the
 * public RSA operation recovers the encoded message, which must equal, byte for byte, the encoding
 * of the data's digest (`00 01 FF…FF 00 || DigestInfo(SHA-256) || H`). Comparing the whole
 * encoding, rather than parsing the recovered one, is the method RFC 8017 prescribes and leaves no
 * room for lenient-parsing forgeries. It accepts exactly what `crypto.verify('sha256', …)` accepts
 * for an RSA key (property-tested), and costs a little less: no digest context per call, and no
 * parse of the recovered bytes.
 */
export function verifyRsaSha256(data: Uint8Array, publicKey: KeyObject, signature: Uint8Array): boolean {
  const expected = encodingFor(publicKey);
  if (expected === undefined) return verify('sha256', data, publicKey, signature);
  // RFC 8017 §8.2.2 step 1, as crypto.verify: exactly the modulus length, no leading zeros dropped.
  if (signature.length !== expected.length) return false;
  let recovered: Buffer;
  try {
    recovered = publicDecrypt({ key: publicKey, padding: constants.RSA_NO_PADDING }, signature);
  } catch {
    return false; // the signature, as a number, is not below the modulus
  }
  // The template's digest bytes are overwritten in the same synchronous step that compares them.
  expected.set(hash('sha256', data, 'buffer'), expected.length - SHA256_LENGTH);
  return recovered.equals(expected);
}

const SHA256_LENGTH = 32;
/** DER of DigestInfo { AlgorithmIdentifier { id-sha256, NULL }, OCTET STRING (32) }, before H. */
const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');
/** The shortest encoding RFC 8017 §9.2 allows: 8 bytes of FF padding. */
const MIN_PADDING = 8;

const encodings = new WeakMap<KeyObject, Buffer | null>();

/** The key's encoding template (digest bytes to be filled in), or `undefined` for a non-RSA key. */
function encodingFor(publicKey: KeyObject): Buffer | undefined {
  let template = encodings.get(publicKey);
  if (template === undefined) {
    template = buildTemplate(publicKey);
    encodings.set(publicKey, template);
  }
  return template ?? undefined;
}

function buildTemplate(publicKey: KeyObject): Buffer | null {
  const bits = publicKey.asymmetricKeyType === 'rsa' ? publicKey.asymmetricKeyDetails?.modulusLength : undefined;
  if (bits === undefined) return null;
  const length = Math.ceil(bits / 8);
  const tail = SHA256_DIGEST_INFO.length + SHA256_LENGTH;
  if (length < tail + 3 + MIN_PADDING) return null; // too small for SHA-256: let OpenSSL refuse it
  const template = Buffer.alloc(length, 0xff);
  template[0] = 0x00;
  template[1] = 0x01;
  template[length - tail - 1] = 0x00;
  SHA256_DIGEST_INFO.copy(template, length - tail);
  return template;
}
