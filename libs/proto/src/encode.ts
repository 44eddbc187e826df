import { BinaryWriter } from '@bufbuild/protobuf/wire';

/** What ts-proto generates for a message type: `encode` writing into a given writer. */
export interface Encodable<T> {
  encode(message: T, writer?: BinaryWriter): BinaryWriter;
}

/** A writer whose buffer outgrew this is let go after use, so one large message is not kept. */
const KEPT_BUFFER_BYTES = 64 * 1024;

let shared = new BinaryWriter();

/**
 * `type.encode(message).finish()`, through one writer kept for the process. A fresh writer per
 * message starts from an empty buffer and grows it by doubling, three or four typed-array
 * allocations for a delivery's result; that was two thirds of encoding one. Encoding is
 * synchronous and `finish` copies the bytes out and resets the writer, so sharing it is safe.
 */
export function encodeMessage<T>(type: Encodable<T>, message: T): Uint8Array {
  const writer = shared;
  try {
    const bytes = type.encode(message, writer).finish();
    if (bytes.byteLength > KEPT_BUFFER_BYTES) shared = new BinaryWriter();
    return bytes;
  } catch (error) {
    // Half-written: start afresh rather than reuse its state.
    shared = new BinaryWriter();
    throw error;
  }
}
