import { createPublicKey, type KeyObject, sign } from 'node:crypto';
import { inspect } from 'node:util';
import { MIN_RSA_BITS } from './dkim-record';
import { KeyRingConfigError, NoValidSigningKeyError } from './errors';
import { isDnsName, keyIdFor, normalizeDomain } from './key-id';

export interface SigningKeyInit {
  readonly selector: string;
  readonly domain: string;
  /** First moment the key may sign (inclusive). */
  readonly validFrom: Date;
  /** Moment the key stops signing (exclusive). */
  readonly validUntil: Date;
  /** An RSA private key of at least 2048 bits, parsed once at start-up. */
  readonly privateKey: KeyObject;
}

/**
 * One key of the ring. The private key lives in a private field and only `sign` uses it, so
 * logging, inspecting or serialising a key shows its selector, domain and window, never the key.
 */
export class SigningKey {
  readonly selector: string;
  readonly domain: string;
  /** `<selector>._domainkey.<domain>`: the `keyId` of the signature and the DNS name of the public key. */
  readonly keyId: string;
  readonly validFrom: Date;
  readonly validUntil: Date;
  readonly publicKey: KeyObject;
  readonly #privateKey: KeyObject;

  constructor(init: SigningKeyInit) {
    const selector = init.selector.toLowerCase();
    const domain = normalizeDomain(init.domain);
    const label = `signing key ${JSON.stringify(init.selector)} of ${JSON.stringify(init.domain)}`;
    if (!isDnsName(selector)) throw new KeyRingConfigError(`${label}: the selector is not a DNS name`);
    if (!isDnsName(domain) || !domain.includes('.'))
      throw new KeyRingConfigError(`${label}: the domain is not a DNS name`);
    const from = init.validFrom.getTime();
    const until = init.validUntil.getTime();
    if (!Number.isFinite(from) || !Number.isFinite(until) || from >= until) {
      throw new KeyRingConfigError(`${label}: validFrom must be a time before validUntil`);
    }
    const key = init.privateKey;
    if (key.type !== 'private' || key.asymmetricKeyType !== 'rsa') {
      throw new KeyRingConfigError(`${label}: the key is not an RSA private key`);
    }
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS)
      throw new KeyRingConfigError(`${label}: the key has ${bits} bits, at least ${MIN_RSA_BITS} are needed`);

    this.selector = selector;
    this.domain = domain;
    this.keyId = keyIdFor(selector, domain);
    this.validFrom = new Date(from);
    this.validUntil = new Date(until);
    this.publicKey = createPublicKey(key);
    this.#privateKey = key;
  }

  isValidAt(epochMs: number): boolean {
    return this.validFrom.getTime() <= epochMs && epochMs < this.validUntil.getTime();
  }

  /** RSASSA-PKCS1-v1_5 with SHA-256 over `data`. */
  sign(data: string | Buffer): Buffer {
    return sign('sha256', typeof data === 'string' ? Buffer.from(data) : data, this.#privateKey);
  }

  toJSON(): object {
    return { keyId: this.keyId, validFrom: this.validFrom.toISOString(), validUntil: this.validUntil.toISOString() };
  }

  [inspect.custom](): string {
    return `SigningKey(${this.keyId}, ${this.validFrom.toISOString()} .. ${this.validUntil.toISOString()})`;
  }
}

/**
 * The signer's keys with their validity windows. Windows may overlap so that a monthly rotation
 * has no gap: the next key is added before the current one expires and takes over at its
 * `validFrom`, while the old key's DNS record stays published for requests already in flight.
 */
export class KeyRing {
  readonly keys: readonly SigningKey[];

  constructor(keys: readonly SigningKey[]) {
    if (keys.length === 0) throw new KeyRingConfigError('the key ring has no keys');
    const seen = new Set<string>();
    for (const key of keys) {
      if (seen.has(key.keyId)) throw new KeyRingConfigError(`the key ring lists ${key.keyId} twice`);
      seen.add(key.keyId);
    }
    // Newest first, so `current` returns the first valid key it meets.
    this.keys = [...keys].sort((a, b) => b.validFrom.getTime() - a.validFrom.getTime());
  }

  /** The key to sign with at `now`: of the keys valid then, the one that started last. */
  current(now: Date | number = Date.now()): SigningKey {
    const at = typeof now === 'number' ? now : now.getTime();
    for (const key of this.keys) if (key.isValidAt(at)) return key;
    throw new NoValidSigningKeyError(new Date(at));
  }

  toJSON(): object {
    return { keys: this.keys.map((key) => key.toJSON()) };
  }

  [inspect.custom](): string {
    return `KeyRing(${this.keys.map((key) => inspect(key)).join(', ')})`;
  }
}
