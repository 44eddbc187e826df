import { randomUUID } from 'node:crypto';
import { digestHeaderValue } from './digest';
import { SigningInputError } from './errors';
import { formatHttpDate } from './http-date';
import type { KeyRing } from './key-ring';
import { accountHeaderValue, ALGORITHM, SIGNED_HEADERS } from './scheme';
import { formatSignatureHeader } from './signature-header';
import { buildSigningString, signingStringLineStarts } from './signing-string';

/** A delivery attempt about to be sent. */
export interface OutgoingRequest {
  /** Default `POST`, the only method deliveries use (SPEC §7.1). */
  readonly method?: string;
  /** The callback URL; its path and query form `(request-target)`, its host `Host`. */
  readonly url: string | URL;
  readonly contentType: string;
  /** The exact bytes that will be sent as the body. */
  readonly body: Uint8Array;
  readonly accountId: string;
}

export interface SignOptions {
  readonly keyRing: KeyRing;
  /** Clock in epoch milliseconds; default `Date.now`. */
  readonly now?: () => number;
  /** Source of `X-Nonce` values, unique per attempt; default `crypto.randomUUID`. */
  readonly nonce?: () => string;
}

/**
 * Every header the signature covers, with the exact values signed. Send them all as they are:
 * a client that recomputes `Host` or `Content-Length` differently breaks the signature.
 */
export type SignedHeaders = {
  readonly Host: string;
  readonly Date: string;
  readonly 'Content-Type': string;
  readonly 'Content-Length': string;
  readonly Digest: string;
  readonly 'X-Copernica-ID': string;
  readonly 'X-Nonce': string;
  readonly Signature: string;
};

const ACCOUNT_ID = /^[A-Za-z0-9_-]{1,64}$/;
const SIGNED_LINE_STARTS = signingStringLineStarts(SIGNED_HEADERS);

/**
 * Signed values are visible ASCII, so the signing string has one byte form whatever encoding a
 * receiver assumes; no line breaks (they would forge a signing-string line) and no surrounding
 * spaces (senders strip them).
 */
function isHeaderValue(value: string): boolean {
  return /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/.test(value);
}

/** Signs one delivery attempt (SPEC §7.1–7.2) with the ring's current key. */
export function signRequest(request: OutgoingRequest, options: SignOptions): SignedHeaders {
  const url = typeof request.url === 'string' ? new URL(request.url) : request.url;
  if (!ACCOUNT_ID.test(request.accountId))
    throw new SigningInputError(`account id ${JSON.stringify(request.accountId)} is not a valid id`);
  // A line break in a signed value would forge an extra line of the signing string.
  if (!isHeaderValue(request.contentType))
    throw new SigningInputError('the content type must be visible ASCII without surrounding spaces');
  const now = options.now ? options.now() : Date.now();
  const nonce = options.nonce ? options.nonce() : randomUUID();
  if (!isHeaderValue(nonce)) throw new SigningInputError('the nonce must be visible ASCII without surrounding spaces');
  const key = options.keyRing.current(now);

  const headers: { -readonly [K in keyof SignedHeaders]: string } = {
    Host: url.host,
    Date: formatHttpDate(now),
    'Content-Type': request.contentType,
    'Content-Length': String(request.body.byteLength),
    Digest: digestHeaderValue(request.body),
    'X-Copernica-ID': accountHeaderValue(request.accountId),
    'X-Nonce': nonce,
    Signature: '', // once signed: set on this object, which a spread into another cost more than the rest
  };
  const signingString = buildSigningString(
    SIGNED_HEADERS,
    request.method ?? 'POST',
    url.pathname + url.search,
    (name) => valueOf(headers, name),
    SIGNED_LINE_STARTS,
  );
  const signature = key.sign(signingString).toString('base64');
  headers.Signature = formatSignatureHeader({
    keyId: key.keyId,
    algorithm: ALGORITHM,
    headers: SIGNED_HEADERS,
    signature,
  });
  return headers;
}

function valueOf(headers: Omit<SignedHeaders, 'Signature'>, name: string): string {
  switch (name) {
    case 'host':
      return headers.Host;
    case 'date':
      return headers.Date;
    case 'content-length':
      return headers['Content-Length'];
    case 'content-type':
      return headers['Content-Type'];
    case 'x-copernica-id':
      return headers['X-Copernica-ID'];
    case 'digest':
      return headers.Digest;
    case 'x-nonce':
      return headers['X-Nonce'];
    default:
      throw new Error(`no value for signed header ${name}`);
  }
}
