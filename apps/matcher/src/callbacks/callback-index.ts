import { compileCondition, type CompiledCondition } from '@callbacks/conditions';
import { matchable, type MatchableCallback } from '@callbacks/matching';
import type { Callback } from '@callbacks/proto/callbacks/v1/callback';

/** Where a callback fires: a database's profiles, or a collection's subprofiles. */
export function scopeKey(accountId: string, databaseId: string, collectionId: string): string {
  return `${accountId}\u0000${databaseId}\u0000${collectionId}`;
}

/**
 * The matcher's in-memory view of every callback, indexed by scope. It follows the CALLBACKS
 * bucket, whose changes arrive in order: a version replaces the one before, a deletion removes.
 */
export class CallbackIndex {
  private readonly byId = new Map<string, MatchableCallback>();
  /** Per scope, its callbacks, and the array handed to matching (built again after a change). */
  private readonly byScope = new Map<
    string,
    { members: Map<string, MatchableCallback>; list: readonly MatchableCallback[] | undefined }
  >();

  constructor(private readonly onInvalid: (callback: Callback, problems: string) => void = () => undefined) {}

  get size(): number {
    return this.byId.size;
  }

  /** The callbacks of a scope (may be empty); the array is never mutated after it is handed out. */
  candidates(accountId: string, databaseId: string, collectionId: string): readonly MatchableCallback[] {
    const scope = this.byScope.get(scopeKey(accountId, databaseId, collectionId));
    if (!scope) return [];
    scope.list ??= [...scope.members.values()];
    return scope.list;
  }

  get(id: string): MatchableCallback | undefined {
    return this.byId.get(id);
  }

  /** Applies a created or updated callback, its condition compiled once here. */
  put(callback: Callback): void {
    this.remove(callback.id);
    const indexed = this.compile(callback);
    this.byId.set(callback.id, indexed);
    const key = scopeOf(indexed);
    const scope = this.byScope.get(key) ?? { members: new Map(), list: undefined };
    scope.members.set(callback.id, indexed);
    scope.list = undefined;
    this.byScope.set(key, scope);
  }

  /** Applies a deletion (nothing happens for a callback it does not hold). */
  remove(id: string): void {
    const current = this.byId.get(id);
    if (!current) return;
    this.byId.delete(id);
    const key = scopeOf(current);
    const scope = this.byScope.get(key);
    scope?.members.delete(id);
    if (scope) scope.list = undefined;
    if (scope?.members.size === 0) this.byScope.delete(key);
  }

  private compile(callback: Callback): MatchableCallback {
    let problems: string;
    try {
      const compiled = compileCondition(callback.condition);
      if (compiled.ok) return matchable(callback, compiled.condition);
      // The config service validates with the same library, so this means version skew.
      problems = compiled.violations.map((v) => `${v.field}: ${v.description}`).join('; ');
    } catch (error) {
      problems = `the condition could not be compiled: ${(error as Error).message}`;
    }
    // A callback must not fire on a condition we cannot evaluate: it matches nothing.
    this.onInvalid(callback, problems);
    const condition: CompiledCondition = {
      matches: () => false,
      explain: () => ({ matches: false, rules: [], summary: 'condition does not compile' }),
    };
    return matchable(callback, condition);
  }
}

function scopeOf({ callback }: MatchableCallback): string {
  return scopeKey(callback.accountId, callback.databaseId, callback.collectionId);
}
