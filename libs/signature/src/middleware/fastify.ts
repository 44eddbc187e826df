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

const VERIFIED = Symbol('verified delivery');
type WithDelivery = FastifyRequestLike & { [VERIFIED]?: VerifiedDelivery };

/**
 * Route hooks for Fastify: `preParsing` reads the raw body bytes (the digest and HMAC are over
 * them), verifies, and either answers the refusal or hands Fastify an identical stream to parse
 * as usual; `preHandler` leaves `request.signature` (with `rawBody`) for the handler.
 * `app.post('/hook', fastifySignatureHooks(verifier), handler)`, or `app.addHook` for a scope.
 */
export function fastifySignatureHooks(verifier: Verifier, options: SignatureMiddlewareOptions = {}) {
  const limitBytes = options.limitBytes ?? DEFAULT_LIMIT_BYTES;
  return {
    preParsing: async (request: FastifyRequestLike, reply: FastifyReplyLike, payload: NodeJS.ReadableStream) => {
      let body: Buffer;
      try {
        body = await readRawBody(payload as IncomingMessage, limitBytes);
      } catch (error) {
        return refuse(reply, error instanceof BodyTooLargeError ? bodyTooLarge(limitBytes) : UNREADABLE_BODY);
      }
      const verdict = await verdictFor(verifier, {
        method: request.raw.method ?? '',
        path: request.raw.url ?? '',
        url: requestUrl(request.raw, options.publicOrigin),
        headers: request.raw.headersDistinct,
        body,
      });
      // A refusal is answered here, before Fastify parses a body nobody will read.
      if (!verdict.ok) return refuse(reply, verdict);
      (request as WithDelivery)[VERIFIED] = verdict.delivery;
      // Fastify checks the parsed length against this when it is set.
      return Object.assign(Readable.from([body]), { receivedEncodedLength: body.length });
    },
    preHandler: async (request: FastifyRequestLike, reply: FastifyReplyLike) => {
      const delivery = (request as WithDelivery)[VERIFIED];
      // Only a verified request gets here with a delivery; one without a body skipped preParsing.
      if (!delivery) return refuse(reply, UNREADABLE_BODY);
      request.signature = delivery;
      return undefined;
    },
  };
}

function refuse(reply: FastifyReplyLike, verdict: Extract<Verdict, { ok: false }>): FastifyReplyLike {
  return reply.code(verdict.status).send({ reason: verdict.reason, message: verdict.message });
}
