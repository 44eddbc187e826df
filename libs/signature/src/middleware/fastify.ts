import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { Verifier } from '../verification';
import { readRawBody } from './raw-body';
import { BodyTooLargeError } from './raw-body';
import {
  bodyTooLarge,
  DEFAULT_LIMIT_BYTES,
  requestUrl,
  type SignatureMiddlewareOptions,
  UNREADABLE_BODY,
  type Verdict,
  verdictFor,
  type VerifiedDelivery,
} from './signature-middleware';

/** The parts of Fastify's request and reply the hooks use; typed here so the library needs no Fastify. */
interface FastifyRequestLike {
  readonly raw: IncomingMessage;
  signature?: VerifiedDelivery;
}
interface FastifyReplyLike {
  readonly raw: ServerResponse;
  code(status: number): FastifyReplyLike;
  send(payload: unknown): FastifyReplyLike;
}

const RAW_VERDICT = Symbol('signature verdict');
type WithVerdict = FastifyRequestLike & { [RAW_VERDICT]?: Verdict };

/**
 * Route hooks for Fastify: `preParsing` keeps the raw body bytes (the digest and HMAC are over
 * them) and hands Fastify an identical stream to parse as usual; `preHandler` verifies and either
 * answers the rejection or leaves `request.signature` (with `rawBody`) for the handler.
 * `app.post('/hook', fastifySignatureHooks(verifier), handler)`, or `app.addHook` for a scope.
 */
export function fastifySignatureHooks(verifier: Verifier, options: SignatureMiddlewareOptions = {}) {
  const limitBytes = options.limitBytes ?? DEFAULT_LIMIT_BYTES;
  return {
    preParsing: async (request: FastifyRequestLike, _reply: FastifyReplyLike, payload: NodeJS.ReadableStream) => {
      let body: Buffer;
      try {
        body = await readRawBody(payload as IncomingMessage, limitBytes);
      } catch (error) {
        (request as WithVerdict)[RAW_VERDICT] =
          error instanceof BodyTooLargeError ? bodyTooLarge(limitBytes) : UNREADABLE_BODY;
        return Readable.from([]);
      }
      (request as WithVerdict)[RAW_VERDICT] = await verdictFor(verifier, {
        method: request.raw.method ?? '',
        path: request.raw.url ?? '',
        url: requestUrl(request.raw, options.publicOrigin),
        headers: request.raw.headersDistinct,
        body,
      });
      // Fastify checks the parsed length against this when it is set.
      return Object.assign(Readable.from([body]), { receivedEncodedLength: body.length });
    },
    preHandler: async (request: FastifyRequestLike, reply: FastifyReplyLike) => {
      const verdict = (request as WithVerdict)[RAW_VERDICT];
      // A request without a body (no preParsing) cannot carry a verifiable signature either.
      if (!verdict) return reply.code(400).send({ reason: 'unreadable_body', message: 'the request has no body' });
      if (!verdict.ok) return reply.code(verdict.status).send({ reason: verdict.reason, message: verdict.message });
      request.signature = verdict.delivery;
      return undefined;
    },
  };
}
