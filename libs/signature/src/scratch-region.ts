/**
 * A reused buffer for bytes that live only during one synchronous step, such as the inputs of an
 * RSA verification: writing them here instead of allocating spares the allocator and the garbage
 * collector on every request. The view of the last length is kept too, since a sender's
 * signatures and signing strings keep their lengths from one request to the next.
 */
export class ScratchRegion {
  readonly #bytes: Buffer;
  #view: Buffer;

  constructor(readonly size: number) {
    this.#bytes = Buffer.allocUnsafe(size);
    this.#view = this.#bytes.subarray(0, 0);
  }

  /** Encodes `text` from the start, at most `limit` bytes; returns the number of bytes written. */
  write(text: string, encoding: 'base64' | 'latin1', limit = this.size): number {
    return this.#bytes.write(text, 0, limit, encoding);
  }

  /** The first `length` bytes: valid until the next write, by anyone. */
  view(length: number): Buffer {
    if (this.#view.length !== length) this.#view = this.#bytes.subarray(0, length);
    return this.#view;
  }
}
