import { hash, type KeyObject, sign } from 'node:crypto';
import { SigningInputError } from '../errors';

/**
 * RFC 9421 HTTP Message Signatures with ed25519 over the method, target URI, content type and
 * length and an RFC 9530 `Content-Digest`. One label per key: `sig1` with the current key, `sig2`
 * with a rotated-away one during its overlap.
 */
export interface Rfc9421Key {
  /** The key's id as the API returns it, the `keyid` parameter receivers look the key up by. */
  readonly keyId: string;
  readonly privateKey: KeyObject;
}

export interface Rfc9421Request {
  /** Default `POST`. */
  readonly method?: string;
  readonly url: URL;
  readonly contentType: string;
  readonly body: Uint8Array;
  /** Unix seconds of this attempt. */
  readonly created: number;
}

export interface Rfc9421Headers {
  readonly 'Content-Digest': string;
  readonly 'Signature-Input': string;
  readonly Signature: string;
}

export const RFC9421_COMPONENTS = [
  '@method',
  '@target-uri',
  'content-type',
  'content-length',
  'content-digest',
] as const;

const KEY_ID = /^[A-Za-z0-9_.-]{1,128}$/;

/** `sha-256=:<base64>:`, RFC 9530's structured-field form. */
export function contentDigestValue(body: Uint8Array): string {
  return `sha-256=:${hash('sha256', body, 'base64')}:`;
}

export function signRfc9421(request: Rfc9421Request, keys: readonly Rfc9421Key[]): Rfc9421Headers {
  if (keys.length === 0) throw new SigningInputError('no key to sign with');
  if (!Number.isSafeInteger(request.created) || request.created < 0)
    throw new SigningInputError('created must be whole unix seconds');
  // Header values go into the signature base line by line: a line break would forge a line.
  if (!/^[\x20-\x7e]+$/.test(request.contentType))
    throw new SigningInputError('the content type must be visible ASCII');
  const digest = contentDigestValue(request.body);
  const values: Record<(typeof RFC9421_COMPONENTS)[number], string> = {
    '@method': (request.method ?? 'POST').toUpperCase(),
    '@target-uri': request.url.href,
    'content-type': request.contentType.trim(),
    'content-length': String(request.body.byteLength),
    'content-digest': digest,
  };
  const components = `(${RFC9421_COMPONENTS.map((name) => `"${name}"`).join(' ')})`;
  const inputs: string[] = [];
  const signatures: string[] = [];
  keys.forEach((key, index) => {
    if (!KEY_ID.test(key.keyId)) throw new SigningInputError(`key id ${JSON.stringify(key.keyId)} is not a valid id`);
    const label = `sig${index + 1}`;
    const params = `${components};created=${request.created};keyid="${key.keyId}";alg="ed25519"`;
    const base = [
      ...RFC9421_COMPONENTS.map((name) => `"${name}": ${values[name]}`),
      `"@signature-params": ${params}`,
    ].join('\n');
    inputs.push(`${label}=${params}`);
    signatures.push(`${label}=:${sign(null, Buffer.from(base), key.privateKey).toString('base64')}:`);
  });
  return { 'Content-Digest': digest, 'Signature-Input': inputs.join(', '), Signature: signatures.join(', ') };
}
