import { type KeyObject, verify as cryptoVerify } from 'node:crypto';
import { sha256Base64, sha256FromDigestHeader } from './digest';
import { KeyLookupError } from './errors';
import { parseHttpDate } from './http-date';
import { isUnderDomain, normalizeDomain, parseKeyId } from './key-id';
import { PublicKeyCache } from './public-key-cache';
import { lookupHeaders, REPEATED } from './request-headers';
import { accountHeaderValue, ALGORITHM, REQUEST_TARGET, REQUIRED_SIGNED_HEADERS } from './scheme';
import { parseSignatureHeader } from './signature-header';
import { buildSigningString, signingStringLineStarts } from './signing-string';
import { createDnsResolver, type TxtResolver } from './txt-resolver';
import {
  decodeBase64,
  type IncomingRequest,
  reject,
  type Rejection,
  type VerificationResult,
  type Verifier,
} from './verification';

export interface CopernicaVerifierOptions {
  /** The receiver's account id; `X-Copernica-ID` must be `account_<accountId>`. */
  readonly accountId: string;
  /** Domains whose keys are trusted: a keyId's domain must be one of them or under one. */
  readonly allowedDomains: readonly string[];
  /** How far `Date` may be from the receiver's clock, either way; default 60. */
  readonly dateWindowSeconds?: number;
  /** Where TXT records come from; default `createDnsResolver()` (the system's name servers). */
  readonly resolver?: TxtResolver;
  /** How long a fetched key is cached; default 10 minutes. */
  readonly cacheTtlMs?: number;
  /** How long a missing key is remembered; default 30 s. */
  readonly missCacheTtlMs?: number;
  /** Clock in epoch milliseconds; default `Date.now`. */
  readonly now?: () => number;
}

/** What a signed-header list means for every request that signs it. */
interface ListCheck {
  /** Why the list is not acceptable (SPEC §7.3), if it is not. */
  readonly problem: Rejection | undefined;
  /** For `buildSigningString`. */
  readonly lineStarts: readonly string[];
}

/**
 * Builds the receiver's check of SPEC §7.3. The checks run cheapest first and stop at the first
 * failure: header presence and parsing, date, account, key id, then the body digest, then the DNS
 * key, and the RSA verification last.
 */
export function createCopernicaVerifier(options: CopernicaVerifierOptions): Verifier {
  const expectedAccount = accountHeaderValue(options.accountId);
  const allowedDomains = options.allowedDomains.map(normalizeDomain);
  if (allowedDomains.length === 0 || allowedDomains.some((d) => d === '')) {
    throw new TypeError('createVerifier (copernica): allowedDomains must list at least one domain');
  }
  const windowMs = (options.dateWindowSeconds ?? 60) * 1000;
  const now = options.now ?? Date.now;
  const keys = new PublicKeyCache({
    resolver: options.resolver ?? createDnsResolver(),
    ttlMs: options.cacheTtlMs,
    missTtlMs: options.missCacheTtlMs,
    now,
  });

  async function verify(request: IncomingRequest): Promise<VerificationResult> {
    const checked = checkHeaders(request);
    if (!checked.ok) return checked;
    const { keyName, keyId, signingString } = checked;

    let lookup = keys.peek(keyName);
    if (lookup === undefined) {
      const fetched = await lookupKey(keys, keyName);
      if ('reason' in fetched) return fetched;
      lookup = fetched;
    }
    if (!lookup.found) return reject('unknown_key', `no key for ${keyId}: ${lookup.message}`);
    return verifySignature(signingString, checked.signature, lookup.publicKey)
      ? { ok: true, keyId }
      : reject('bad_signature', `the signature does not verify with ${keyId}`);
  }

  /**
   * Everything that needs no key: returns what the key lookup and the RSA check need, or the first
   * rejection.
   */
  function checkHeaders(request: IncomingRequest) {
    const headerValues = lookupHeaders(request.headers);
    const signatureHeader = headerValues('signature');
    if (signatureHeader === undefined) return reject('missing_header', 'the Signature header is missing');
    if (signatureHeader === REPEATED) return reject('duplicate_header', 'the Signature header appears more than once');
    const parsed = parseSignatureHeader(signatureHeader);
    if (!parsed.ok) return reject('bad_signature_header', `the Signature header cannot be parsed: ${parsed.message}`);
    const { keyId, algorithm, headers: signedNames, signature: signatureText } = parsed.params;
    const signature = decodeBase64(signatureText);
    if (signature === undefined) return reject('bad_signature_header', 'the signature parameter is not base64');

    if (algorithm === undefined || algorithm.toLowerCase() !== ALGORITHM) {
      return reject('unsupported_algorithm', `algorithm ${JSON.stringify(algorithm ?? '')} is not ${ALGORITHM}`);
    }
    if (signedNames === undefined)
      return reject('missing_signed_header', 'the Signature header has no headers parameter');
    const list = listCheck(signedNames);
    if (list.problem) return list.problem;

    const signedValues: string[] = [];
    let dateValue = '';
    let accountValue = '';
    let digestValue = '';
    for (const name of signedNames) {
      if (name === REQUEST_TARGET) {
        signedValues.push('');
        continue;
      }
      const value = headerValues(name);
      if (value === undefined) return reject('missing_header', `the signed header ${name} is missing`);
      if (value === REPEATED) return reject('duplicate_header', `the signed header ${name} appears more than once`);
      signedValues.push(value);
      if (name === 'date') dateValue = value;
      else if (name === 'x-copernica-id') accountValue = value;
      else if (name === 'digest') digestValue = value;
    }

    const date = dateOf(dateValue);
    if (date === undefined) return reject('bad_date', 'the Date header is not an IMF-fixdate');
    const skew = date - now();
    if (skew > windowMs || -skew > windowMs) {
      const direction = skew > 0 ? 'ahead of' : 'behind';
      const seconds = Math.round(Math.abs(skew) / 1000);
      return reject(
        'stale_date',
        `the Date header is ${seconds} s ${direction} this clock (window ${windowMs / 1000} s)`,
      );
    }

    if (accountValue !== expectedAccount) return reject('wrong_account', 'X-Copernica-ID is not this account');

    const key = keyNameOf(keyId);
    if (typeof key !== 'string') return key;

    const claimed = sha256FromDigestHeader(digestValue);
    if (claimed === undefined) return reject('bad_digest_header', 'the Digest header carries no single SHA-256 value');
    if (claimed !== sha256Base64(request.body))
      return reject('digest_mismatch', 'the Digest header does not match the body');

    const signingString = buildSigningString(
      signedNames,
      request.method,
      request.path,
      (_name, index) => signedValues[index] ?? '',
      list.lineStarts,
    );
    return { ok: true as const, keyName: key, keyId, signingString, signature };
  }

  // A sender signs the same list every time (parsing hands back the same array): remember its
  // check and the starts of its signing-string lines.
  let lastList: readonly string[] | undefined;
  let lastListCheck: ListCheck = { problem: undefined, lineStarts: [] };
  function listCheck(names: readonly string[]): ListCheck {
    if (names !== lastList) {
      lastListCheck = { problem: findListProblem(names), lineStarts: signingStringLineStarts(names) };
      lastList = names;
    }
    return lastListCheck;
  }

  // Requests within one second carry the same Date: remember the last one parsed.
  let lastDate = '';
  let lastDateMs: number | undefined;
  function dateOf(value: string): number | undefined {
    if (value !== lastDate) {
      lastDateMs = parseHttpDate(value);
      lastDate = value;
    }
    return lastDateMs;
  }

  // A sender uses a few key ids for months: remember the decision per key id, in a bounded map.
  const keyDecisions = new Map<string, string | Rejection>();
  /** The DNS name to query for a keyId under an allowed domain, or the rejection. */
  function keyNameOf(keyId: string): string | Rejection {
    let decision = keyDecisions.get(keyId);
    if (decision === undefined) {
      decision = decideKeyId(keyId);
      if (keyDecisions.size >= 256) keyDecisions.clear();
      keyDecisions.set(keyId, decision);
    }
    return decision;
  }
  function decideKeyId(keyId: string): string | Rejection {
    const key = parseKeyId(keyId);
    if (key === undefined)
      return reject('bad_key_id', `keyId ${JSON.stringify(keyId)} is not <selector>._domainkey.<domain>`);
    if (!allowedDomains.some((allowed) => isUnderDomain(key.domain, allowed))) {
      return reject('key_domain_not_allowed', `keyId ${JSON.stringify(keyId)} is not under an allowed domain`);
    }
    return key.name;
  }

  return { verify };
}

async function lookupKey(keys: PublicKeyCache, name: string) {
  try {
    return await keys.lookup(name);
  } catch (error) {
    if (error instanceof KeyLookupError) return reject('key_lookup_failed', error.message);
    throw error;
  }
}

function findListProblem(names: readonly string[]): Rejection | undefined {
  for (const required of REQUIRED_SIGNED_HEADERS) {
    if (!names.includes(required))
      return reject('missing_signed_header', `${required} is not among the signed headers`);
  }
  // (created) and (expires) belong to later drafts; this scheme signs the Date header instead.
  const pseudo = names.find((name) => name.startsWith('(') && name !== REQUEST_TARGET);
  if (pseudo) return reject('bad_signature_header', `unsupported pseudo-header ${pseudo} in the signed headers`);
  return undefined;
}

/**
 * Latin-1, because Node and fetch hand header values and the request target over as Latin-1
 * decoded bytes: encoding back to Latin-1 gives exactly the bytes that were on the wire. The check
 * is OpenSSL's own (`crypto.verify`): security code that receivers run stays the plainest code.
 */
function verifySignature(signingString: string, signature: Buffer, publicKey: KeyObject): boolean {
  return cryptoVerify('sha256', Buffer.from(signingString, 'latin1'), publicKey, signature);
}
