import { compileCondition, type CompiledCondition } from '@callbacks/conditions';
import type { Action, Origin } from '@callbacks/proto/callbacks/events/v1/profile_event';
import type { Callback } from '@callbacks/proto/callbacks/v1/callback';

/** A callback ready for matching: its condition compiled once, its sets as bit masks. */
export interface IndexedCallback {
  readonly callback: Callback;
  /** Bit per Action; 0 = every action. */
  readonly actions: number;
  /** Bit per Origin; 0 = every origin. */
  readonly triggers: number;
  readonly condition: CompiledCondition | undefined;
}

/** Where a callback fires: a database's profiles, or a collection's subprofiles. */
export function scopeKey(accountId: string, databaseId: string, collectionId: string): string {
  return `${accountId}\u0000${databaseId}\u0000${collectionId}`;
}

const mask = (values: readonly (Action | Origin)[]) => values.reduce((m, v) => m | (1 << v), 0);

/**
 * The matcher's in-memory view of every callback, indexed by scope. Changes are ordered by
 * revision: an older version never replaces a newer one, and a deleted callback stays deleted
 * (tombstone) until a full snapshot replaces the index.
 */
export class CallbackIndex {
  private readonly byId = new Map<string, IndexedCallback>();
  private readonly byScope = new Map<string, IndexedCallback[]>();
  private readonly tombstones = new Map<string, number>();

  constructor(private readonly onInvalid: (callback: Callback, problems: string) => void = () => undefined) {}

  get size(): number {
    return this.byId.size;
  }

  /** The callbacks of a scope (may be empty); the array is never mutated after it is handed out. */
  candidates(accountId: string, databaseId: string, collectionId: string): readonly IndexedCallback[] {
    return this.byScope.get(scopeKey(accountId, databaseId, collectionId)) ?? [];
  }

  get(id: string): IndexedCallback | undefined {
    return this.byId.get(id);
  }

  /** Applies a created or updated callback; false when it is not newer than what is known. */
  upsert(callback: Callback): boolean {
    const current = this.byId.get(callback.id);
    if (current && current.callback.revision >= callback.revision) return false;
    const deletedAt = this.tombstones.get(callback.id);
    if (deletedAt !== undefined && deletedAt >= callback.revision) return false;
    const indexed = this.compile(callback);
    if (current) this.unlink(current);
    this.byId.set(callback.id, indexed);
    this.link(indexed);
    return true;
  }

  /** Applies a deletion at `revision`; false when the callback is already newer. */
  remove(id: string, revision: number): boolean {
    const current = this.byId.get(id);
    this.tombstones.set(id, Math.max(revision, this.tombstones.get(id) ?? 0));
    if (!current || current.callback.revision > revision) return false;
    this.unlink(current);
    this.byId.delete(id);
    return true;
  }

  /**
   * Replaces everything with a full snapshot. Conditions of callbacks whose revision did not
   * change are not compiled again, so a periodic resync of thousands of callbacks stays cheap.
   */
  replaceAll(snapshot: readonly Callback[]): void {
    const previous = new Map(this.byId);
    this.byId.clear();
    this.byScope.clear();
    this.tombstones.clear();
    for (const callback of snapshot) {
      const known = previous.get(callback.id);
      const indexed = known && known.callback.revision === callback.revision ? known : this.compile(callback);
      this.byId.set(callback.id, indexed);
      this.link(indexed);
    }
  }

  private compile(callback: Callback): IndexedCallback {
    const compiled = compileCondition(callback.condition);
    let condition: CompiledCondition | undefined;
    if (compiled.ok) condition = compiled.condition;
    else {
      // The config service validates with the same library, so this means version skew. Such a
      // callback must not fire on a condition we cannot evaluate: it matches nothing.
      this.onInvalid(callback, compiled.violations.map((v) => `${v.field}: ${v.description}`).join('; '));
      condition = { matches: () => false, explain: () => ({ matches: false, rules: [], summary: 'condition does not compile' }) };
    }
    return { callback, actions: mask(callback.actions), triggers: mask(callback.triggers), condition };
  }

  private link(indexed: IndexedCallback): void {
    const { accountId, databaseId, collectionId } = indexed.callback;
    const key = scopeKey(accountId, databaseId, collectionId);
    this.byScope.set(key, [...(this.byScope.get(key) ?? []), indexed]);
  }

  private unlink(indexed: IndexedCallback): void {
    const { accountId, databaseId, collectionId } = indexed.callback;
    const key = scopeKey(accountId, databaseId, collectionId);
    const rest = (this.byScope.get(key) ?? []).filter((entry) => entry.callback.id !== indexed.callback.id);
    if (rest.length === 0) this.byScope.delete(key);
    else this.byScope.set(key, rest);
  }
}
