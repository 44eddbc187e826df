import type { Verifier } from '../verification';
import { bodyTooLarge, DEFAULT_LIMIT_BYTES, UNREADABLE_BODY, type Verdict, verdictFor } from './signature-middleware';

/**
 * For fetch-style handlers (Hono, Next.js route handlers, Cloudflare Workers, Deno, Bun): reads
 * the raw body of a `Request` and verifies it. The verdict carries the bytes to parse on success,
 * and the status, reason and message to answer with (`rejectionResponse`) otherwise.
 */
export async function verifyFetchRequest(
  verifier: Verifier,
  request: Request,
  options: { readonly limitBytes?: number } = {},
): Promise<Verdict> {
  const limitBytes = options.limitBytes ?? DEFAULT_LIMIT_BYTES;
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limitBytes) return bodyTooLarge(limitBytes);
  let body: Buffer | undefined;
  try {
    body = await readLimited(request, limitBytes);
  } catch {
    return UNREADABLE_BODY;
  }
  if (body === undefined) return bodyTooLarge(limitBytes);
  const url = new URL(request.url);
  return verdictFor(verifier, {
    method: request.method,
    path: url.pathname + url.search,
    url: request.url,
    headers: request.headers,
    body,
  });
}

/** The JSON answer to a refused request, as the Node middleware gives it. */
export function rejectionResponse(verdict: Extract<Verdict, { ok: false }>): Response {
  return Response.json({ reason: verdict.reason, message: verdict.message }, { status: verdict.status });
}

/** The body's bytes, or `undefined` as soon as they pass the limit (a chunked body declares no length). */
async function readLimited(request: Request, limitBytes: number): Promise<Buffer | undefined> {
  if (!request.body) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(chunks, size);
    size += value.byteLength;
    if (size > limitBytes) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
}
