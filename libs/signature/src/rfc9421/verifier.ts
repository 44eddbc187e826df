import { createPublicKey, hash, type KeyObject, timingSafeEqual, verify as cryptoVerify } from 'node:crypto';
import { type HeaderLookup, lookupHeaders, REPEATED } from '../request-headers';
import { ed25519PublicKey } from '../secrets/callback-secret';
import {
  type IncomingRequest,
  reject,
  type Rejection,
  timestampProblem,
  type VerificationResult,
  type Verifier,
} from '../verification';
import { type BareItem, type Member, parseDictionary, serializeInnerList } from './structured-fields';

/** RFC 9421 HTTP Message Signatures with ed25519, the body bound by an RFC 9530 `Content-Digest`. */
export interface Rfc9421VerifierOptions {
  /**
   * Trusted keys by `keyid`: a `KeyObject`, an SPKI PEM, or the base64 of the raw 32-byte ed25519
   * key. Several while a rotation overlaps; a signature whose keyid is not here is not tried.
   */
  readonly keys: Readonly<Record<string, KeyObject | string>>;
  /** How far `created` may be from the receiver's clock, either way; default 300. */
  readonly toleranceSeconds?: number;
  /** Clock in epoch milliseconds; default `Date.now`. */
  readonly now?: () => number;
}

/** Without these a signature would not bind the request to its target and body. */
const REQUIRED_COMPONENTS = ['@method', '@target-uri', 'content-digest'] as const;

export function createRfc9421Verifier(options: Rfc9421VerifierOptions): Verifier {
  const keys = new Map(Object.entries(options.keys).map(([keyId, key]) => [keyId, ed25519Key(key, keyId)]));
  if (keys.size === 0) throw new TypeError('createVerifier (rfc9421): keys must name at least one key');
  const toleranceSeconds = options.toleranceSeconds ?? 300;
  const now = options.now ?? Date.now;

  async function verify(request: IncomingRequest): Promise<VerificationResult> {
    const header = lookupHeaders(request.headers);
    const inputHeader = header('signature-input');
    const signatureHeader = header('signature');
    for (const [name, value] of [
      ['Signature-Input', inputHeader],
      ['Signature', signatureHeader],
    ] as const) {
      if (value === undefined) return reject('missing_header', `the ${name} header is missing`);
      if (value === REPEATED) return reject('duplicate_header', `the ${name} header appears more than once`);
    }
    let inputs: Map<string, Member>;
    let signatures: Map<string, Member>;
    try {
      inputs = parseDictionary(inputHeader as string);
      signatures = parseDictionary(signatureHeader as string);
    } catch (error) {
      return reject(
        'bad_signature_header',
        `Signature-Input or Signature cannot be parsed: ${(error as Error).message}`,
      );
    }

    // Any label whose keyid is trusted and that verifies passes: during a rotation the sender signs twice.
    let first: Rejection | undefined;
    const offered: string[] = [];
    for (const [label, input] of inputs) {
      const keyId = param(input, 'keyid');
      if (typeof keyId !== 'string') continue;
      offered.push(keyId);
      const key = keys.get(keyId);
      if (!key) continue;
      const result = verifyLabel(request, header, label, input, signatures.get(label), keyId, key);
      if (result.ok) return result;
      first ??= result;
    }
    if (first) return first;
    if (offered.length === 0) return reject('bad_signature_header', 'Signature-Input has no signature with a keyid');
    return reject('unknown_key', `no trusted key among keyid ${offered.map((k) => JSON.stringify(k)).join(', ')}`);
  }

  function verifyLabel(
    request: IncomingRequest,
    header: HeaderLookup,
    label: string,
    input: Member,
    signatureMember: Member | undefined,
    keyId: string,
    key: KeyObject,
  ): VerificationResult {
    if (input.kind !== 'inner-list' || input.items.some((item) => typeof item !== 'string'))
      return reject('bad_signature_header', `Signature-Input ${label} is not a list of component names`);
    if (signatureMember?.kind !== 'item' || !(signatureMember.value instanceof Uint8Array))
      return reject('bad_signature_header', `Signature has no byte sequence for ${label}`);
    const alg = param(input, 'alg');
    if (alg !== undefined && alg !== 'ed25519')
      return reject('unsupported_algorithm', `alg ${JSON.stringify(alg)} of ${label} is not ed25519`);
    const components = input.items as string[];
    const absent = REQUIRED_COMPONENTS.find((name) => !components.includes(name));
    if (absent) return reject('missing_signed_header', `${absent} is not among the components ${label} signs`);

    const created = param(input, 'created');
    if (typeof created !== 'number' || !Number.isInteger(created))
      return reject('bad_date', `${label} has no integer created parameter`);
    const stale = timestampProblem(created, now(), toleranceSeconds, `created of ${label}`);
    if (stale) return stale;
    const expires = param(input, 'expires');
    if (typeof expires === 'number' && expires * 1000 < now())
      return reject('stale_date', `${label} expired at ${new Date(expires * 1000).toISOString()}`);

    const url = targetUri(request, header);
    const lines: string[] = [];
    for (const name of components) {
      const value = componentValue(name, request, url, header);
      if (typeof value !== 'string') return value;
      lines.push(`"${name}": ${value}`);
    }
    lines.push(`"@signature-params": ${serializeInnerList(input.items, input.params)}`);

    const digestProblem = checkContentDigest(header('content-digest') as string, request.body);
    if (digestProblem) return digestProblem;
    const base = Buffer.from(lines.join('\n'), 'latin1');
    return cryptoVerify(null, base, key, signatureMember.value)
      ? { ok: true, keyId }
      : reject('bad_signature', `the signature ${label} does not verify with ${keyId}`);
  }

  return { verify };
}

function param(member: Member, name: string): BareItem | undefined {
  return member.params.find(([key]) => key === name)?.[1];
}

/** The absolute URL the sender posted to; without one given, https and the Host header are assumed. */
function targetUri(request: IncomingRequest, header: HeaderLookup): URL | undefined {
  try {
    const host = header('host');
    return new URL(request.url ?? `https://${typeof host === 'string' ? host : ''}${request.path}`);
  } catch {
    return undefined;
  }
}

function componentValue(
  name: string,
  request: IncomingRequest,
  url: URL | undefined,
  header: HeaderLookup,
): string | Rejection {
  if (name.startsWith('@')) {
    if (name === '@method') return request.method.toUpperCase();
    if (!url) return reject('bad_signature', 'the request URL cannot be rebuilt to check @target-uri');
    switch (name) {
      case '@target-uri':
        return request.url ?? url.href;
      case '@authority':
        return url.host;
      case '@scheme':
        return url.protocol.slice(0, -1);
      case '@path':
        return url.pathname;
      case '@query':
        return url.search || '?';
      case '@request-target':
        return request.path;
      default:
        return reject('bad_signature_header', `the derived component ${name} is not supported`);
    }
  }
  const value = header(name);
  if (value === undefined) return reject('missing_header', `the signed header ${name} is missing`);
  if (value === REPEATED) return reject('duplicate_header', `the signed header ${name} appears more than once`);
  return value;
}

/** RFC 9530: `sha-256=:<base64>:` among possibly other algorithms; sha-256 is the one required. */
function checkContentDigest(value: string, body: Uint8Array): Rejection | undefined {
  let claimed: Member | undefined;
  try {
    claimed = parseDictionary(value).get('sha-256');
  } catch {
    return reject('bad_digest_header', 'Content-Digest cannot be parsed');
  }
  if (claimed?.kind !== 'item' || !(claimed.value instanceof Uint8Array))
    return reject('bad_digest_header', 'Content-Digest carries no sha-256 value');
  const actual = hash('sha256', body, 'buffer');
  if (claimed.value.length !== actual.length || !timingSafeEqual(claimed.value, actual))
    return reject('digest_mismatch', 'Content-Digest does not match the body');
  return undefined;
}

function ed25519Key(key: KeyObject | string, keyId: string): KeyObject {
  let object: KeyObject;
  try {
    if (typeof key !== 'string') object = key;
    else if (key.includes('-----BEGIN')) object = createPublicKey(key);
    else {
      object = ed25519PublicKey(Buffer.from(key, 'base64'));
    }
  } catch {
    throw new TypeError(`createVerifier (rfc9421): the key for keyid ${JSON.stringify(keyId)} cannot be read`);
  }
  if (object.asymmetricKeyType !== 'ed25519')
    throw new TypeError(`createVerifier (rfc9421): the key for keyid ${JSON.stringify(keyId)} is not ed25519`);
  return object;
}
