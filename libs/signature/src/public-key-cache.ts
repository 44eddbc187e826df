import type { KeyObject } from 'node:crypto';
import { parseDkimRecord } from './dkim-record';
import { KeyLookupError } from './errors';
import { isNoSuchRecord, type TxtResolver } from './txt-resolver';

export type PublicKeyLookup =
  { readonly found: true; readonly publicKey: KeyObject } | { readonly found: false; readonly message: string };

export interface PublicKeyCacheOptions {
  readonly resolver: TxtResolver;
  /** How long a found key is kept; default 10 minutes. */
  readonly ttlMs?: number;
  /** How long "no usable key at that name" is kept, so a flood of bad key ids costs one query each; default 30 s. */
  readonly missTtlMs?: number;
  /** Most names kept; the oldest entry goes first. Default 1000. */
  readonly maxEntries?: number;
  /** Clock in epoch milliseconds; default `Date.now`. */
  readonly now?: () => number;
}

interface Entry {
  readonly lookup: PublicKeyLookup;
  readonly expiresAt: number;
}

/**
 * Public keys by DNS name, fetched from TXT records and cached. Concurrent lookups of one name
 * share a single query. Failed lookups (timeouts, SERVFAIL) are not cached: the next request
 * asks again.
 */
export class PublicKeyCache {
  readonly #resolver: TxtResolver;
  readonly #ttlMs: number;
  readonly #missTtlMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry>();
  readonly #inFlight = new Map<string, Promise<PublicKeyLookup>>();

  constructor(options: PublicKeyCacheOptions) {
    this.#resolver = options.resolver;
    this.#ttlMs = options.ttlMs ?? 10 * 60_000;
    this.#missTtlMs = options.missTtlMs ?? 30_000;
    this.#maxEntries = options.maxEntries ?? 1000;
    this.#now = options.now ?? Date.now;
  }

  /** The cached answer for `name` (lowercase DNS name), if still fresh; no I/O. */
  peek(name: string): PublicKeyLookup | undefined {
    const entry = this.#entries.get(name);
    if (entry === undefined) return undefined;
    if (entry.expiresAt > this.#now()) return entry.lookup;
    this.#entries.delete(name);
    return undefined;
  }

  /** The key at `name` (lowercase DNS name); throws `KeyLookupError` when DNS cannot answer. */
  lookup(name: string): Promise<PublicKeyLookup> {
    const cached = this.peek(name);
    if (cached) return Promise.resolve(cached);
    let pending = this.#inFlight.get(name);
    if (pending === undefined) {
      pending = this.#query(name).finally(() => this.#inFlight.delete(name));
      this.#inFlight.set(name, pending);
    }
    return pending;
  }

  async #query(name: string): Promise<PublicKeyLookup> {
    let records: string[][];
    try {
      records = await this.#resolver.resolveTxt(name);
    } catch (error) {
      if (!isNoSuchRecord(error)) throw new KeyLookupError(name, { cause: error });
      records = [];
    }
    const lookup = keyFromRecords(records);
    this.#remember(name, lookup);
    return lookup;
  }

  #remember(name: string, lookup: PublicKeyLookup): void {
    this.#entries.delete(name);
    while (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.#entries.delete(oldest.value);
    }
    this.#entries.set(name, { lookup, expiresAt: this.#now() + (lookup.found ? this.#ttlMs : this.#missTtlMs) });
  }
}

/** The first TXT record that is a usable DKIM key; long records arrive as several strings and are joined first. */
function keyFromRecords(records: readonly (readonly string[])[]): PublicKeyLookup {
  if (records.length === 0) return { found: false, message: 'no TXT record at that name' };
  let firstProblem: string | undefined;
  for (const chunks of records) {
    const parsed = parseDkimRecord(chunks.join(''));
    if (parsed.ok) return { found: true, publicKey: parsed.publicKey };
    firstProblem ??= parsed.message;
  }
  return { found: false, message: `no usable key record: ${firstProblem}` };
}
