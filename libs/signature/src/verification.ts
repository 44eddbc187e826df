import type { RequestHeaders } from './request-headers';

/** Why a request was rejected: stable codes shared by every scheme, in the order the checks run. */
export type RejectionReason =
  | 'missing_header'
  | 'duplicate_header'
  | 'bad_signature_header'
  | 'unsupported_algorithm'
  | 'missing_signed_header'
  | 'bad_date'
  | 'stale_date'
  | 'wrong_account'
  | 'bad_key_id'
  | 'key_domain_not_allowed'
  | 'bad_digest_header'
  | 'digest_mismatch'
  | 'unknown_key'
  | 'key_lookup_failed'
  | 'bad_signature';

/**
 * `keyId` names what verified the request: the DNS keyId (original scheme), the `keyid` parameter
 * (RFC 9421), or `v1`/`v1a` (Standard Webhooks, whose deliveries carry their id in `deliveryId`).
 */
export type VerificationResult =
  | { readonly ok: true; readonly keyId: string; readonly deliveryId?: string }
  | { readonly ok: false; readonly reason: RejectionReason; readonly message: string };

export type Rejection = Extract<VerificationResult, { ok: false }>;

/** A received request, as the receiver saw it on the wire. */
export interface IncomingRequest {
  readonly method: string;
  /** The request target: path and query exactly as on the request line (Node's `req.url`). */
  readonly path: string;
  /**
   * The absolute URL the sender posted to (RFC 9421 signs it as `@target-uri`); the middleware
   * builds it from `Host` and the connection, or from the `publicOrigin` it is given.
   */
  readonly url?: string;
  readonly headers: RequestHeaders;
  /** The raw body bytes, before any parsing. */
  readonly body: Uint8Array;
}

export interface Verifier {
  verify(request: IncomingRequest): Promise<VerificationResult>;
}

export function reject(reason: RejectionReason, message: string): Rejection {
  return { ok: false, reason, message };
}

/**
 * Strict base64 (standard alphabet, with padding) decoded; `undefined` when it is not. Node skips
 * characters outside the alphabet while decoding, so a byte count short of what the length
 * promises exposes them without a pattern test.
 */
export function decodeBase64(text: string): Buffer | undefined {
  if (text.length === 0 || text.length % 4 !== 0) return undefined;
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const bytes = Buffer.from(text, 'base64');
  return bytes.length === (text.length / 4) * 3 - padding ? bytes : undefined;
}

/** Why a unix-seconds timestamp is refused against a tolerance, or `undefined` when it is within it. */
export function timestampProblem(seconds: number, nowMs: number, toleranceSeconds: number, what: string) {
  const skew = seconds - Math.floor(nowMs / 1000);
  if (Math.abs(skew) <= toleranceSeconds) return undefined;
  const direction = skew > 0 ? 'ahead of' : 'behind';
  return reject('stale_date', `${what} is ${Math.abs(skew)} s ${direction} this clock (window ${toleranceSeconds} s)`);
}
