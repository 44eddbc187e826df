import { randomUUID } from 'node:crypto';
import { fromBinary, type JsonValue, toBinary } from '@bufbuild/protobuf';
import { status } from '@grpc/grpc-js';
import Fastify, { type FastifyError, type FastifyReply, type FastifyRequest } from 'fastify';
import { InvalidArgumentError } from '@callbacks/domain';
import type { Logger } from '@callbacks/logger';
import { CallbackServiceService } from '@callbacks/proto/callbacks/v1/callback_service';
import { InvalidJsonError, readJson, writeJson } from '@callbacks/proto/proto-json';
import { httpServerTelemetry, type ServerRequestTrace, type Telemetry } from '@callbacks/telemetry';
import type { CallbackApi } from '../api/callback-api';
import { authenticateBearer } from '../auth/bearer';
import type { Principal, TokenAuthenticator } from '../auth/tokens';
import { consoleFiles } from './console-files';
import { statusJson, toHttpError } from './errors';
import { requestJson } from './request-json';
import { type HttpRoute, httpRoutes, serviceDesc } from './routes';

const SERVICE = 'callbacks.v1.CallbackService';
/** Requests larger than this are refused (413) before they are read whole. Callbacks are a few KiB. */
export const BODY_LIMIT_BYTES = 1 << 20;
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

export interface HttpApi {
  /** The bound port (useful with port 0). */
  port: number;
  /** `http://host:port` (or https). */
  url: string;
  /** Stops taking requests, lets in-flight ones finish (up to `graceMs`), then cuts the rest. */
  close(graceMs: number): Promise<void>;
}

/**
 * CallbackService as HTTP/JSON, beside gRPC: routes from the `google.api.http` rules, proto3 JSON
 * read strictly into the same request messages and answered from the same methods
 * (callbackApi), the same bearer tokens, and errors as google.rpc.Status JSON (errors.ts). Each
 * request honours `x-request-id` (or gets one) and W3C trace context, with a span and metrics
 * like a gRPC call's.
 */
export async function startHttpApi(options: {
  address: string;
  api: CallbackApi;
  authenticator: TokenAuthenticator;
  log: Logger;
  telemetry: Telemetry;
  tls?: { cert: string; key: string };
  /** The console's built files, served under `/` beside the API (`/v1/...`). */
  consoleDir?: string;
}): Promise<HttpApi> {
  const { api, authenticator, log } = options;
  const routes = httpRoutes(serviceDesc(SERVICE));
  const telemetry = httpServerTelemetry(options.telemetry);
  const traces = new WeakMap<FastifyRequest, ServerRequestTrace>();
  const consoleFile = options.consoleDir ? consoleFiles(options.consoleDir) : undefined;

  const app = Fastify({
    logger: false,
    bodyLimit: BODY_LIMIT_BYTES,
    requestIdHeader: false,
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    // Requests that come while it closes are answered below, as a google.rpc.Status like any error.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    ...(options.tls ? { https: { cert: options.tls.cert, key: options.tls.key } } : {}),
  });

  // JSON only, read here rather than by Fastify so that bytes that are not UTF-8 are refused,
  // not turned into U+FFFD; anything else is 415.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  let closing = false;
  app.addHook('onRequest', async (request, reply) => {
    traces.set(
      request,
      telemetry.start({ method: request.method, path: pathOf(request.url), headers: request.headers }),
    );
    void reply.header('x-request-id', request.id);
    if (closing) {
      void reply.header('connection', 'close');
      return send(reply, 503, statusJson(status.UNAVAILABLE, 'the service is shutting down; try again'));
    }
    return undefined;
  });
  app.addHook('onResponse', async (request, reply) => {
    traces.get(request)?.end(reply.statusCode);
  });

  // What Fastify refuses before a handler runs: a body over the limit, a content type other than JSON.
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const httpStatus =
      error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (httpStatus === 500) log.error({ err: error, request_id: request.id }, 'http request failed unexpectedly');
    const code =
      httpStatus === 413 ? status.RESOURCE_EXHAUSTED : httpStatus === 500 ? status.INTERNAL : status.INVALID_ARGUMENT;
    const message =
      httpStatus === 413
        ? `the body is larger than ${BODY_LIMIT_BYTES} bytes`
        : httpStatus === 415
          ? 'the body must be JSON (Content-Type: application/json)'
          : httpStatus === 500
            ? 'internal error; it has been logged'
            : error.message;
    return send(reply, httpStatus, statusJson(code, message));
  });
  app.setNotFoundHandler((request, reply) =>
    send(reply, 404, statusJson(status.NOT_FOUND, `no route for ${request.method} ${shown(pathOf(request.url))}`)),
  );

  app.route({
    method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    url: '/*',
    handler: (request, reply) => {
      const trace = traces.get(request);
      return trace ? trace.within(() => serve(request, reply, trace)) : serve(request, reply, undefined);
    },
  });

  async function serve(
    request: FastifyRequest,
    reply: FastifyReply,
    trace: ServerRequestTrace | undefined,
  ): Promise<FastifyReply> {
    const path = pathOf(request.url);
    if (consoleFile && (request.method === 'GET' || request.method === 'HEAD') && !/^\/v1(\/|$)/.test(path)) {
      trace?.route('/*');
      const file = consoleFile(path);
      return reply.code(200).headers(file.headers).header('content-type', file.type).send(file.body);
    }
    const candidates = routes
      .map((route) => ({ route, variables: route.match(path) }))
      .filter((c) => c.variables !== undefined);
    const found = candidates.find((c) => c.route.verb === request.method);
    if (!found?.variables) {
      if (candidates.length === 0)
        return send(reply, 404, statusJson(status.NOT_FOUND, `no route for ${request.method} ${shown(path)}`));
      const allowed = [...new Set(candidates.map((c) => c.route.verb))].join(', ');
      void reply.header('allow', allowed);
      return send(
        reply,
        405,
        statusJson(status.UNIMPLEMENTED, `${request.method} is not allowed on ${shown(path)} (allowed: ${allowed})`),
      );
    }
    const { route, variables } = found;
    const rpc = route.method.name;
    trace?.route(route.template, { service: SERVICE, method: rpc });
    const started = performance.now();
    const ifMatch = headerValue(request.headers['if-match']);
    let caller = 'anonymous';
    try {
      const principal = authenticateBearer(authenticator, headerValues(request.headers.authorization), 'header');
      caller = principal.name;
      const json = requestJson(route, {
        variables,
        query: request.query as Record<string, string | string[]>,
        body: parseBody(request.body),
        ifMatch,
      });
      const response = await callMethod(api, route, json, principal);
      log.debug(
        { method: rpc, caller, code: 'OK', http_status: 200, request_id: request.id, ms: elapsed(started) },
        'http request',
      );
      const etag = revisionOf(response);
      if (etag !== undefined) void reply.header('etag', `"${etag}"`);
      return send(reply, 200, response);
    } catch (error) {
      const failure = toHttpError(error, ifMatch !== undefined);
      const fields = {
        method: rpc,
        caller,
        code: failure.code,
        http_status: failure.httpStatus,
        request_id: request.id,
        ms: elapsed(started),
      };
      if (failure.expected)
        log.info({ ...fields, error: (failure.body as { message?: string }).message }, 'http request failed');
      else log.error({ ...fields, err: error }, 'http request failed unexpectedly');
      if (failure.httpStatus === 401) void reply.header('www-authenticate', 'Bearer');
      if (failure.retryAfterSeconds !== undefined) void reply.header('retry-after', String(failure.retryAfterSeconds));
      return send(reply, failure.httpStatus, failure.body);
    }
  }

  const [host = '127.0.0.1', port = '0'] = splitHostPort(options.address);
  await app.listen({ host, port: Number(port) });
  const bound = app.server.address();
  const boundPort = typeof bound === 'object' && bound !== null ? bound.port : Number(port);
  const scheme = options.tls ? 'https' : 'http';
  return {
    port: boundPort,
    url: `${scheme}://${host.includes(':') ? `[${host}]` : host}:${boundPort}`,
    async close(graceMs) {
      closing = true;
      let timer: NodeJS.Timeout | undefined;
      const cut = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          app.server.closeAllConnections();
          resolve();
        }, graceMs);
      });
      await Promise.race([app.close(), cut]);
      clearTimeout(timer);
    },
  };
}

/**
 * The request through proto3 JSON into the method's request message, the method, and the
 * response back to proto3 JSON. The JSON is read by the descriptors (strict, every problem with
 * its field path) and handed over as protobuf bytes, so the method gets exactly what a gRPC call
 * with those fields would decode to, and answers with what gRPC would send.
 */
async function callMethod(
  api: CallbackApi,
  route: HttpRoute,
  json: Record<string, unknown>,
  principal: Principal,
): Promise<JsonValue> {
  const { method } = route;
  const definition = CallbackServiceService[method.localName as keyof typeof CallbackServiceService];
  let bytes: Uint8Array;
  try {
    bytes = toBinary(method.input, readJson(method.input, json));
  } catch (error) {
    if (error instanceof InvalidJsonError) {
      throw new InvalidArgumentError([
        { field: error.field, reason: 'MALFORMED_REQUEST', description: error.description },
      ]);
    }
    throw error;
  }
  const request = definition.requestDeserialize(Buffer.from(bytes));
  const handler = api[method.localName as keyof CallbackApi] as unknown as (
    principal: unknown,
    request: unknown,
  ) => Promise<unknown>;
  const response = await handler(principal, request);
  const encoded = (definition.responseSerialize as (value: unknown) => Buffer)(response);
  return writeJson(route.method.output, fromBinary(route.method.output, encoded));
}

function parseBody(body: unknown): unknown {
  if (!Buffer.isBuffer(body) || body.length === 0) return undefined;
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw new InvalidArgumentError([
      { field: '', reason: 'MALFORMED_REQUEST', description: 'the body is not valid UTF-8' },
    ]);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new InvalidArgumentError([
      { field: '', reason: 'MALFORMED_REQUEST', description: `the body is not JSON: ${(error as Error).message}` },
    ]);
  }
}

/** The ETag of a response that carries a callback: its revision. */
function revisionOf(response: JsonValue): string | undefined {
  if (typeof response !== 'object' || response === null || Array.isArray(response)) return undefined;
  for (const value of Object.values(response)) {
    if (typeof value === 'object' && value !== null && !Array.isArray(value) && 'revision' in value) {
      const revision = value.revision;
      if ((typeof revision === 'string' || typeof revision === 'number') && String(revision) !== '0')
        return String(revision);
    }
  }
  return undefined;
}

function send(reply: FastifyReply, httpStatus: number, body: JsonValue): FastifyReply {
  return reply.code(httpStatus).header('content-type', 'application/json; charset=utf-8').send(JSON.stringify(body));
}

function pathOf(url: string): string {
  const end = url.search(/[?#]/);
  return end === -1 ? url : url.slice(0, end);
}

/** A request path as an error message may echo it: bounded, like every message (grpc/status.ts). */
function shown(path: string): string {
  return path.length <= 256 ? path : `${path.slice(0, 255)}…`;
}

function headerValues(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

function splitHostPort(address: string): [string, string] {
  const colon = address.lastIndexOf(':');
  return [address.slice(0, colon).replace(/^\[|\]$/g, ''), address.slice(colon + 1)];
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}
