import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RejectionReason, Verifier } from '../verifier';
import { BodyAlreadyReadError, BodyTooLargeError, readRawBody } from './raw-body';

export interface SignatureMiddlewareOptions {
  /** Largest body accepted, in bytes; default 1 MiB. */
  readonly limitBytes?: number;
}

/** What a handler behind the check gets: the exact bytes that were verified, and the key that signed them. */
export interface VerifiedDelivery {
  readonly rawBody: Buffer;
  readonly keyId: string;
}

/** The request as an Express-style handler sees it after the middleware. */
export type SignedIncomingMessage = IncomingMessage & { rawBody: Buffer; signature: { keyId: string } };

export type MiddlewareRejectionReason = RejectionReason | 'body_too_large' | 'unreadable_body';

const DEFAULT_LIMIT_BYTES = 1024 * 1024;

/**
 * Express-style middleware (Express, Connect, Polka, …): reads the raw body, verifies the
 * signature, and either answers with a JSON rejection or calls `next()` with `req.rawBody` and
 * `req.signature` set. Mount it before any body parser and parse `req.rawBody` afterwards.
 * A body already read by something else (and no `req.rawBody`) goes to `next(error)`.
 */
export function verifySignatureMiddleware(verifier: Verifier, options: SignatureMiddlewareOptions = {}) {
  const limitBytes = options.limitBytes ?? DEFAULT_LIMIT_BYTES;
  return (req: IncomingMessage & { rawBody?: unknown }, res: ServerResponse, next: (error?: unknown) => void): void => {
    // Some stacks keep the raw bytes themselves (a body parser's `verify` hook); use them then.
    const body = Buffer.isBuffer(req.rawBody) ? Promise.resolve(req.rawBody) : readRawBody(req, limitBytes);
    check(verifier, req, body).then((outcome) => {
      if (!outcome.ok) return reject(res, outcome);
      Object.assign(req, { rawBody: outcome.delivery.rawBody, signature: { keyId: outcome.delivery.keyId } });
      next();
    }, next);
  };
}

/**
 * Wraps a plain `http.createServer` handler: the handler runs only for verified requests and gets
 * the raw body and key id as its third argument. An error thrown by the handler is answered with
 * a 500 and passed to `onError`; without `onError` it is rethrown (an unhandled rejection), never
 * dropped.
 */
export function withSignatureVerification(
  verifier: Verifier,
  handler: (req: IncomingMessage, res: ServerResponse, delivery: VerifiedDelivery) => void | Promise<void>,
  options: SignatureMiddlewareOptions & { readonly onError?: (error: unknown, req: IncomingMessage) => void } = {},
): (req: IncomingMessage, res: ServerResponse) => void {
  const limitBytes = options.limitBytes ?? DEFAULT_LIMIT_BYTES;
  return (req, res) => {
    check(verifier, req, readRawBody(req, limitBytes))
      .then((outcome) => (outcome.ok ? handler(req, res, outcome.delivery) : reject(res, outcome)))
      .catch((error: unknown) => {
        if (!res.headersSent) send(res, 500, { reason: 'internal_error', message: 'the request could not be handled' });
        else res.destroy();
        if (options.onError) options.onError(error, req);
        else throw error;
      });
  };
}

type Outcome =
  | { readonly ok: true; readonly delivery: VerifiedDelivery }
  | {
      readonly ok: false;
      readonly status: number;
      readonly reason: MiddlewareRejectionReason;
      readonly message: string;
    };

async function check(verifier: Verifier, req: IncomingMessage, body: Promise<Buffer>): Promise<Outcome> {
  let rawBody: Buffer;
  try {
    rawBody = await body;
  } catch (error) {
    if (error instanceof BodyTooLargeError)
      return { ok: false, status: 413, reason: 'body_too_large', message: error.message };
    if (error instanceof BodyAlreadyReadError) throw error;
    return { ok: false, status: 400, reason: 'unreadable_body', message: 'the request body could not be read' };
  }
  const result = await verifier.verify({
    method: req.method ?? '',
    path: req.url ?? '',
    // headersDistinct keeps every value of a repeated header, so a repeat is seen, not joined.
    headers: req.headersDistinct,
    body: rawBody,
  });
  if (result.ok) return { ok: true, delivery: { rawBody, keyId: result.keyId } };
  // A DNS failure says nothing about the request; 503 asks the sender to try again later.
  const status = result.reason === 'key_lookup_failed' ? 503 : 401;
  return { ok: false, status, reason: result.reason, message: result.message };
}

function reject(res: ServerResponse, outcome: Extract<Outcome, { ok: false }>): void {
  send(res, outcome.status, { reason: outcome.reason, message: outcome.message });
}

function send(res: ServerResponse, status: number, body: { reason: string; message: string }): void {
  const json = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(json),
    // The unread rest of a refused body is not worth draining; closing is cheaper.
    ...(status === 413 || status === 400 ? { connection: 'close' } : {}),
  });
  res.end(json);
}
