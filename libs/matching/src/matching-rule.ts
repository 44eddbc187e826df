import type { EvaluationInput } from '@callbacks/conditions';
import type { ProfileEvent } from '@callbacks/proto/callbacks/events/v1/profile_event';
import { CallbackState } from '@callbacks/proto/callbacks/v1/callback';
import { bit, type MatchableCallback } from './matchable-callback';

/**
 * What an event means for one callback:
 * - `send`: every check holds — the callback matches (SPEC §6) and its delivery is sent;
 * - `skip`: every check holds but the state (the callback is not ACTIVE) — the matcher still
 *   makes a delivery, recorded as SKIPPED (SPEC §7.5), so that nothing is silently lost while the
 *   callback is disabled and the delivery can be replayed once it is enabled again;
 * - `none`: scope, action, trigger or condition rule it out — no delivery at all.
 */
export type Verdict = 'send' | 'skip' | 'none';

export type CheckName = 'scope' | 'state' | 'action' | 'trigger' | 'condition';

/** One check of the matching rule. */
export interface Check {
  readonly name: CheckName;
  /** The verdict at best when this check fails. */
  readonly otherwise: 'skip' | 'none';
  /** Whether the check lets the callback fire. Allocation-free: the matcher calls it per candidate. */
  holds(callback: MatchableCallback, event: ProfileEvent, input: EvaluationInput): boolean;
}

/**
 * The matching rule of SPEC §6, its checks in order: scope (same account and database, and the
 * same collection — '' for a database's profiles), state ACTIVE, the event's action among the
 * callback's actions (none = every action), its origin among the triggers (none = every origin),
 * the condition (none = always). The condition is last because it is the expensive one.
 */
export const MATCHING_RULE: readonly Check[] = [
  {
    name: 'scope',
    otherwise: 'none',
    holds: ({ callback }, event) =>
      callback.accountId === event.accountId && callback.databaseId === event.databaseId && callback.collectionId === event.collectionId,
  },
  { name: 'state', otherwise: 'skip', holds: ({ callback }) => callback.state === CallbackState.ACTIVE },
  { name: 'action', otherwise: 'none', holds: ({ actions }, event) => actions === 0 || (actions & bit(event.action)) !== 0 },
  { name: 'trigger', otherwise: 'none', holds: ({ triggers }, event) => triggers === 0 || (triggers & bit(event.origin)) !== 0 },
  { name: 'condition', otherwise: 'none', holds: ({ condition }, _event, input) => condition === undefined || condition.matches(input) },
];

/** The verdict once `check` has failed, given the verdict so far. */
export function afterFailure(sofar: Verdict, check: Check): Verdict {
  return sofar === 'none' ? 'none' : check.otherwise;
}
