import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { KeyRingConfigError, SealedSecretError } from '../errors';

/** One platform key: AES-256 key material with an id, stored beside every ciphertext it makes. */
export interface PlatformKeyInit {
  readonly id: string;
  /** When it was made: the newest key encrypts, every key decrypts. */
  readonly created: Date;
  /** 32 bytes. */
  readonly key: Uint8Array;
}

/** A secret as stored: only ciphertext, with what is needed to open it again. */
export interface Sealed {
  readonly platformKeyId: string;
  readonly nonce: Uint8Array;
  /** The ciphertext with the 16-byte GCM tag appended. */
  readonly ciphertext: Uint8Array;
}

const KEY_ID = /^[A-Za-z0-9_.-]{1,64}$/;
const TAG_BYTES = 16;
/** Secrets opened lately, kept so that a callback's every delivery does not pay for an AES-GCM decryption. */
const OPENED_KEPT = 4096;

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/**
 * The platform's keys that encrypt per-callback secrets at rest (AES-256-GCM). Rotation: add a
 * newer key; it encrypts from then on while older keys still open what they sealed. The key
 * material sits in a private field, so logging or serialising the ring shows ids only.
 */
export class PlatformKeyRing {
  readonly ids: readonly string[];
  readonly #keys: ReadonlyMap<string, Buffer>;
  readonly #newest: string;
  /** Opened secrets by everything that went into opening them (oldest first): what opened once opens the same again. */
  readonly #opened = new Map<string, Buffer>();

  constructor(keys: readonly PlatformKeyInit[]) {
    if (keys.length === 0) throw new KeyRingConfigError('the platform key ring has no keys');
    const map = new Map<string, Buffer>();
    for (const key of keys) {
      if (!KEY_ID.test(key.id))
        throw new KeyRingConfigError(`platform key id ${JSON.stringify(key.id)} is not [A-Za-z0-9_.-]{1,64}`);
      if (map.has(key.id)) throw new KeyRingConfigError(`the platform key ring lists ${key.id} twice`);
      if (key.key.byteLength !== 32)
        throw new KeyRingConfigError(`platform key ${key.id} has ${key.key.byteLength} bytes, AES-256 needs 32`);
      map.set(key.id, Buffer.from(key.key));
    }
    const newest = [...keys].sort((a, b) => b.created.getTime() - a.created.getTime())[0];
    this.#keys = map;
    this.#newest = newest?.id ?? '';
    this.ids = [...map.keys()];
  }

  /** The id of the key that seals new secrets. */
  get current(): string {
    return this.#newest;
  }

  /**
   * Encrypts with the newest key. `context` (the callback and secret ids) is authenticated, so a
   * ciphertext copied onto another callback does not open.
   */
  seal(plaintext: Uint8Array, context: string): Sealed & { nonce: Buffer; ciphertext: Buffer } {
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#keyOf(this.#newest), nonce);
    cipher.setAAD(Buffer.from(context));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    return { platformKeyId: this.#newest, nonce, ciphertext };
  }

  /**
   * Decrypts with whichever key sealed it; throws SealedSecretError when that key is gone or the
   * data was altered. The last OPENED_KEPT secrets opened are remembered (in this private field
   * only), keyed by the key id, context, nonce and ciphertext, so a callback's next delivery
   * reuses its secret instead of decrypting it again.
   */
  open(sealed: Sealed, context: string): Buffer {
    const memo = `${sealed.platformKeyId}\n${context}\n${base64(sealed.nonce)}\n${base64(sealed.ciphertext)}`;
    const known = this.#opened.get(memo);
    if (known) return Buffer.from(known);
    const secret = this.#decrypt(sealed, context);
    if (this.#opened.size >= OPENED_KEPT) this.#opened.delete(this.#opened.keys().next().value as string);
    this.#opened.set(memo, Buffer.from(secret));
    return secret;
  }

  #decrypt(sealed: Sealed, context: string): Buffer {
    const key = this.#keys.get(sealed.platformKeyId);
    if (!key) throw new SealedSecretError(`platform key ${JSON.stringify(sealed.platformKeyId)} is not in the ring`);
    if (sealed.ciphertext.byteLength < TAG_BYTES) throw new SealedSecretError('the sealed secret is truncated');
    const data = Buffer.from(sealed.ciphertext);
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.nonce);
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(data.subarray(data.byteLength - TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(data.subarray(0, data.byteLength - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new SealedSecretError(`the secret sealed with platform key ${sealed.platformKeyId} does not authenticate`);
    }
  }

  #keyOf(id: string): Buffer {
    const key = this.#keys.get(id);
    if (!key) throw new SealedSecretError(`platform key ${JSON.stringify(id)} is not in the ring`);
    return key;
  }

  toJSON(): object {
    return { keys: this.ids, current: this.#newest };
  }

  [inspect.custom](): string {
    return `PlatformKeyRing(${this.ids.join(', ')}; sealing with ${this.#newest})`;
  }
}
