import type { IncomingMessage } from 'node:http';
import { SignatureLibraryError } from '../errors';

export class BodyTooLargeError extends SignatureLibraryError {
  override readonly name = 'BodyTooLargeError';
  constructor(readonly limitBytes: number) {
    super(`the request body is larger than ${limitBytes} bytes`);
  }
}

export class BodyAlreadyReadError extends SignatureLibraryError {
  override readonly name = 'BodyAlreadyReadError';
  constructor() {
    super(
      'the request body was already read by something mounted earlier: mount the signature check before any body parser',
    );
  }
}

/**
 * Reads the whole request body as bytes. The digest is over the raw bytes, so nothing may decode
 * or parse the body first. Refuses bodies over `limitBytes` from `Content-Length` before reading
 * and while reading (a chunked body has no length up front).
 */
export function readRawBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  if (req.readableEnded) return Promise.reject(new BodyAlreadyReadError());
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) return Promise.reject(new BodyTooLargeError(limitBytes));

  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) {
        cleanup();
        req.pause();
        reject(new BodyTooLargeError(limitBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      const [only] = chunks;
      resolve(chunks.length === 1 && only ? only : Buffer.concat(chunks, size));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}
