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
 * (tombstone) through the next full snapshot, so that a late notice of an earlier change cannot
 * bring it back.
 */
export class CallbackIndex {
  private byId = new Map<string, IndexedCallback>();
  private byScope = new Map<string, IndexedCallback[]>();
  /** Deleted callbacks: the revision they were deleted at, and the snapshot count then. */
  private readonly tombstones = new Map<string, { revision: number; snapshot: number }>();
  private snapshots = 0;

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
    const deleted = this.tombstones.get(callback.id);
    if (deleted !== undefined && deleted.revision >= callback.revision) return false;
    const indexed = this.compile(callback);
    if (current) this.unlink(current);
    this.byId.set(callback.id, indexed);
    this.link(indexed);
    return true;
  }

  /** Applies a deletion at `revision`; false when the callback is already newer. */
  remove(id: string, revision: number): boolean {
    const current = this.byId.get(id);
    this.tombstones.set(id, { revision: Math.max(revision, this.tombstones.get(id)?.revision ?? 0), snapshot: this.snapshots });
    if (!current || current.callback.revision > revision) return false;
    this.unlink(current);
    this.byId.delete(id);
    return true;
  }

  /**
   * Replaces everything with a full snapshot, built aside and swapped in whole: matching never
   * sees half of one. Conditions of callbacks whose revision did not change are not compiled
   * again, so a periodic resync of thousands of callbacks stays cheap. Tombstones from before
   * the previous snapshot are dropped (any notice they guard against is long applied or lost).
   */
  replaceAll(snapshot: readonly Callback[]): void {
    const byId = new Map<string, IndexedCallback>();
    const byScope = new Map<string, IndexedCallback[]>();
    for (const callback of snapshot) {
      const known = this.byId.get(callback.id);
      const indexed = known && known.callback.revision === callback.revision ? known : this.compile(callback);
      byId.set(callback.id, indexed);
      const key = scopeOf(indexed);
      const scoped = byScope.get(key);
      if (scoped) scoped.push(indexed);
      else byScope.set(key, [indexed]);
    }
    this.byId = byId;
    this.byScope = byScope;
    this.snapshots++;
    for (const [id, deleted] of this.tombstones) {
      if (byId.has(id) || deleted.snapshot < this.snapshots - 1) this.tombstones.delete(id);
    }
  }

  private compile(callback: Callback): IndexedCallback {
    let problems: string;
    try {
      const compiled = compileCondition(callback.condition);
      if (compiled.ok) return { callback, actions: mask(callback.actions), triggers: mask(callback.triggers), condition: compiled.condition };
      // The config service validates with the same library, so this means version skew.
      problems = compiled.violations.map((v) => `${v.field}: ${v.description}`).join('; ');
    } catch (error) {
      problems = `the condition could not be compiled: ${(error as Error).message}`;
    }
    // A callback must not fire on a condition we cannot evaluate: it matches nothing.
    this.onInvalid(callback, problems);
    const condition: CompiledCondition = { matches: () => false, explain: () => ({ matches: false, rules: [], summary: 'condition does not compile' }) };
    return { callback, actions: mask(callback.actions), triggers: mask(callback.triggers), condition };
  }

  private link(indexed: IndexedCallback): void {
    const key = scopeOf(indexed);
    this.byScope.set(key, [...(this.byScope.get(key) ?? []), indexed]);
  }

  private unlink(indexed: IndexedCallback): void {
    const key = scopeOf(indexed);
    const rest = (this.byScope.get(key) ?? []).filter((entry) => entry.callback.id !== indexed.callback.id);
    if (rest.length === 0) this.byScope.delete(key);
    else this.byScope.set(key, rest);
  }
}

function scopeOf({ callback }: IndexedCallback): string {
  return scopeKey(callback.accountId, callback.databaseId, callback.collectionId);
}
