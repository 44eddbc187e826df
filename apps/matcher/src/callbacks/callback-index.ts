import { compileCondition } from '@callbacks/conditions';
import { type ConditionTest, matchable, type MatchableCallback } from '@callbacks/matching';
import { parseCallbackKey } from '@callbacks/messaging';
import { Callback, type CallbackState } from '@callbacks/proto/callbacks/v1/callback';
import { encodeTargetField, type JobCallback } from '../matching/delivery-job';

/**
 * What the index keeps of a decoded callback: what matching and its jobs read. The decoded
 * Callback (its condition tree, labels, secrets) and the compiled condition's explanations are
 * left behind: they took most of a decoded callback's memory, and matching reads fewer objects.
 */
export interface IndexedCallback extends JobCallback {
  readonly accountId: string;
  readonly databaseId: string;
  readonly collectionId: string;
  readonly state: CallbackState;
  readonly revision: number;
}

/** A callback ready for matching, as the index hands it out. */
export type Candidate = MatchableCallback<IndexedCallback, ConditionTest>;

/**
 * A callback as the index holds it: encoded as the bucket gave it (its bytes as a Latin-1 string,
 * one character a byte), until an event needs it. A string costs its bytes and a small header; a
 * Buffer, an object and a share of a pool slab beside them.
 */
type Held = string | Candidate;

/** One database's callbacks (a bucket key's `<account>.<database>` part names it). */
interface Database {
  readonly name: string;
  readonly accountId: string;
  readonly databaseId: string;
  readonly callbacks: Map<string, Held>;
  /** Per collection ('' for the profiles), the callbacks handed to matching; undefined after a change. */
  scopes: Map<string, readonly Candidate[]> | undefined;
}

/** Why a held value did not become a matchable callback: the caller logs it. */
export type InvalidCallback =
  { kind: 'undecodable'; key: string; error: Error } | { kind: 'condition'; callback: Callback; problems: string };

/**
 * The matcher's in-memory view of every callback, indexed by database. It follows the CALLBACKS
 * bucket, whose changes arrive in order: a version replaces the one before, a deletion removes.
 *
 * Callbacks are kept encoded and a database's are decoded and compiled together when its first
 * event arrives, so start-up costs what copying the bucket costs, and memory holds the bytes of
 * the callbacks no event has needed yet (most of a large installation's, at any moment). An
 * event's cost then depends on its database's callbacks only, never on the total.
 */
export class CallbackIndex {
  private readonly databases = new Map<string, Database>();
  private count = 0;

  constructor(private readonly onInvalid: (invalid: InvalidCallback) => void = () => undefined) {}

  get size(): number {
    return this.count;
  }

  /** The callbacks of a scope (may be empty); the array is never mutated after it is handed out. */
  candidates(accountId: string, databaseId: string, collectionId: string): readonly Candidate[] {
    const database = this.databases.get(databaseKey(accountId, databaseId));
    if (!database) return [];
    database.scopes ??= this.ready(database);
    return database.scopes.get(collectionId) ?? NONE;
  }

  /** A callback, decoded and compiled (undefined when absent or undecodable). */
  get({ accountId, databaseId, id }: Pick<Callback, 'accountId' | 'databaseId' | 'id'>): Candidate | undefined {
    const database = this.databases.get(databaseKey(accountId, databaseId));
    if (!database?.callbacks.has(id)) return undefined;
    database.scopes ??= this.ready(database);
    const held = database.callbacks.get(id);
    return typeof held === 'string' ? undefined : held;
  }

  /** Applies a created or updated callback as the bucket stores it (key and encoded value). */
  putEncoded(key: string, value: Uint8Array): void {
    const { accountId, databaseId, id } = parseCallbackKey(key);
    this.hold(
      accountId,
      databaseId,
      id,
      Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('latin1'),
    );
  }

  /** Applies a created or updated callback already decoded. */
  put(callback: Callback): void {
    const database = this.hold(callback.accountId, callback.databaseId, callback.id, undefined);
    database.callbacks.set(callback.id, this.compile(callback, database, callback.collectionId, callback.id));
  }

  /** Applies a deletion of a bucket key (nothing happens for a callback it does not hold). */
  remove(key: string): void {
    const { accountId, databaseId, id } = parseCallbackKey(key);
    const name = databaseKey(accountId, databaseId);
    const database = this.databases.get(name);
    if (!database?.callbacks.delete(id)) return;
    this.count--;
    database.scopes = undefined;
    if (database.callbacks.size === 0) this.databases.delete(name);
  }

  /** Makes room for a callback's new version (`held`, or set by the caller) and returns its database. */
  private hold(accountId: string, databaseId: string, id: string, held: Held | undefined): Database {
    const name = databaseKey(accountId, databaseId);
    let database = this.databases.get(name);
    if (!database) {
      database = { name, accountId, databaseId, callbacks: new Map(), scopes: undefined };
      this.databases.set(name, database);
    }
    if (!database.callbacks.has(id)) this.count++;
    if (held !== undefined) database.callbacks.set(id, held);
    database.scopes = undefined;
    return database;
  }

  /** Decodes and compiles what a database still holds encoded, and groups its callbacks by collection. */
  private ready(database: Database): Map<string, readonly Candidate[]> {
    const scopes = new Map<string, Candidate[]>();
    // One string per collection, shared by its callbacks.
    const collections = new Map<string, string>([['', '']]);
    for (const [id, held] of database.callbacks) {
      let callback: Candidate;
      if (typeof held === 'string') {
        try {
          const decoded = Callback.decode(latin1Bytes(held));
          let collectionId = collections.get(decoded.collectionId);
          if (collectionId === undefined) collections.set(decoded.collectionId, (collectionId = decoded.collectionId));
          callback = this.compile(decoded, database, collectionId, id);
        } catch (error) {
          // Version skew: an entry that does not decode must not keep firing an older version.
          database.callbacks.delete(id);
          this.count--;
          this.onInvalid({ kind: 'undecodable', key: `${database.name}.${id}`, error: error as Error });
          continue;
        }
        database.callbacks.set(id, callback);
      } else {
        callback = held;
      }
      const scope = scopes.get(callback.callback.collectionId);
      if (scope) scope.push(callback);
      else scopes.set(callback.callback.collectionId, [callback]);
    }
    return scopes;
  }

  /**
   * The callback as the index keeps it; `database`, `collectionId` and `id` (its key's) give the
   * strings it shares with the index rather than holding its own.
   */
  private compile(callback: Callback, database: Database, collectionId: string, id: string): Candidate {
    const kept: IndexedCallback = {
      id: callback.id === id ? id : callback.id,
      // The key's, unless the value disagrees with its key: then it must not match the key's scope.
      accountId: callback.accountId === database.accountId ? database.accountId : callback.accountId,
      databaseId: callback.databaseId === database.databaseId ? database.databaseId : callback.databaseId,
      collectionId,
      state: callback.state,
      ordering: callback.ordering,
      revision: callback.revision,
      targetField: encodeTargetField(callback),
    };
    let problems: string;
    try {
      const compiled = compileCondition(callback.condition);
      // Only the predicate: the compiled condition's explanations are TestCallback's, not the matcher's.
      if (compiled.ok) return matchable(callback, { matches: compiled.condition.matches }, kept);
      // The config service validates with the same library, so this means version skew.
      problems = compiled.violations.map((v) => `${v.field}: ${v.description}`).join('; ');
    } catch (error) {
      problems = `the condition could not be compiled: ${(error as Error).message}`;
    }
    // A callback must not fire on a condition we cannot evaluate: it matches nothing.
    this.onInvalid({ kind: 'condition', callback, problems });
    return matchable(callback, MATCHES_NOTHING, kept);
  }
}

const NONE: readonly Candidate[] = [];

const MATCHES_NOTHING: ConditionTest = { matches: () => false };

/**
 * A held callback's bytes again, in a buffer of their own: from Node's shared pool they would keep
 * its slabs, and with them the much smaller job target fields made beside them, from being freed.
 */
function latin1Bytes(held: string): Buffer {
  const bytes = Buffer.allocUnsafeSlow(held.length);
  bytes.write(held, 'latin1');
  return bytes;
}

function databaseKey(accountId: string, databaseId: string): string {
  return `${accountId}.${databaseId}`;
}
