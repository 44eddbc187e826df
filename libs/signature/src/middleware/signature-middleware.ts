import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { IncomingRequest, RejectionReason, Verifier } from '../verification';
import { BodyAlreadyReadError, BodyTooLargeError, readRawBody } from './raw-body';

export interface SignatureMiddlewareOptions {
  /** Largest body accepted, in bytes; default 1 MiB. */
  readonly limitBytes?: number;
  /**
   * The origin senders post to, e.g. `https://hooks.example.com`, for schemes that sign the whole
   * URL (RFC 9421 `@target-uri`). Behind a TLS-terminating proxy the connection cannot tell;
   * default: the connection's scheme and the `Host` header.
   */
  readonly publicOrigin?: string;
}

/** What a handler behind the check gets: the exact bytes that were verified, and the key that signed them. */
export interface VerifiedDelivery {
  readonly rawBody: Buffer;
  readonly keyId: string;
  /** Standard Webhooks: the `webhook-id` (the delivery id, the same on every retry). */
  readonly deliveryId?: string;
}

/** The request as an Express-style handler sees it after the middleware. */
export type SignedIncomingMessage = IncomingMessage & {
  rawBody: Buffer;
  signature: { keyId: string; deliveryId?: string };
};

export type MiddlewareRejectionReason = RejectionReason | 'body_too_large' | 'unreadable_body';

export const DEFAULT_LIMIT_BYTES = 1024 * 1024;

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
    check(verifier, req, body, options.publicOrigin).then((outcome) => {
      if (!outcome.ok) return reject(res, outcome);
      const { rawBody, ...signature } = outcome.delivery;
      Object.assign(req, { rawBody, signature });
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
    check(verifier, req, readRawBody(req, limitBytes), options.publicOrigin)
      .then((outcome) => (outcome.ok ? handler(req, res, outcome.delivery) : reject(res, outcome)))
      .catch((error: unknown) => {
        if (!res.headersSent) send(res, 500, { reason: 'internal_error', message: 'the request could not be handled' });
        else res.destroy();
        if (options.onError) options.onError(error, req);
        else throw error;
      });
  };
}

/** What a receiver answers: the verified delivery, or the status and reason of a refusal. */
export type Verdict =
  | { readonly ok: true; readonly delivery: VerifiedDelivery }
  | {
      readonly ok: false;
      readonly status: number;
      readonly reason: MiddlewareRejectionReason;
      readonly message: string;
    };

/** The one place that maps a verification result to an HTTP answer, for every framework adapter. */
export async function verdictFor(verifier: Verifier, request: IncomingRequest & { body: Buffer }): Promise<Verdict> {
  const result = await verifier.verify(request);
  if (result.ok) {
    const { keyId, deliveryId } = result;
    return {
      ok: true,
      delivery: { rawBody: request.body, keyId, ...(deliveryId === undefined ? {} : { deliveryId }) },
    };
  }
  // A DNS failure says nothing about the request; 503 asks the sender to try again later.
  const status = result.reason === 'key_lookup_failed' ? 503 : 401;
  return { ok: false, status, reason: result.reason, message: result.message };
}

export function bodyTooLarge(limitBytes: number): Extract<Verdict, { ok: false }> {
  return { ok: false, status: 413, reason: 'body_too_large', message: new BodyTooLargeError(limitBytes).message };
}

export const UNREADABLE_BODY: Extract<Verdict, { ok: false }> = {
  ok: false,
  status: 400,
  reason: 'unreadable_body',
  message: 'the request body could not be read',
};

/** The absolute URL of a Node request: the configured public origin, else the connection's scheme and Host. */
export function requestUrl(req: IncomingMessage, publicOrigin: string | undefined): string {
  const origin =
    publicOrigin ?? `${(req.socket as TLSSocket).encrypted ? 'https' : 'http'}://${req.headers.host ?? 'localhost'}`;
  return `${origin.replace(/\/$/, '')}${req.url ?? ''}`;
}

async function check(
  verifier: Verifier,
  req: IncomingMessage,
  body: Promise<Buffer>,
  publicOrigin: string | undefined,
): Promise<Verdict> {
  let rawBody: Buffer;
  try {
    rawBody = await body;
  } catch (error) {
    if (error instanceof BodyTooLargeError) return bodyTooLarge(error.limitBytes);
    if (error instanceof BodyAlreadyReadError) throw error;
    return UNREADABLE_BODY;
  }
  return verdictFor(verifier, {
    method: req.method ?? '',
    path: req.url ?? '',
    url: requestUrl(req, publicOrigin),
    // headersDistinct keeps every value of a repeated header, so a repeat is seen, not joined.
    headers: req.headersDistinct,
    body: rawBody,
  });
}

function reject(res: ServerResponse, outcome: Extract<Verdict, { ok: false }>): void {
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
