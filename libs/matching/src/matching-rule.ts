import type { EvaluationInput } from '@callbacks/conditions';
import type { ProfileEvent } from '@callbacks/proto/callbacks/events/v1/profile_event';
import { CallbackState } from '@callbacks/proto/callbacks/v1/callback';
import { bit, type ConditionTest, type MatchableCallback, type RuleFields } from './matchable-callback';

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
  /** Whether the check lets the callback fire. Allocation-free: the matcher runs it per candidate. */
  holds(callback: MatchableCallback, event: ProfileEvent, input: EvaluationInput): boolean;
}

/** Any matchable callback, whatever it keeps of the callback. */
type Candidate = MatchableCallback<RuleFields, ConditionTest>;

/** Same account and database, and the same collection ('' for a database's profiles). */
export const inScope = ({ callback }: Candidate, event: ProfileEvent): boolean =>
  callback.accountId === event.accountId &&
  callback.databaseId === event.databaseId &&
  callback.collectionId === event.collectionId;

export const isActive = ({ callback }: Candidate): boolean => callback.state === CallbackState.ACTIVE;

/** The event's action is one of the callback's actions; none means every action. */
export const actionAllowed = ({ actions }: Candidate, event: ProfileEvent): boolean =>
  actions === 0 || (actions & bit(event.action)) !== 0;

/** The event's origin is one of the callback's triggers; none means every origin. */
export const triggerAllowed = ({ triggers }: Candidate, event: ProfileEvent): boolean =>
  triggers === 0 || (triggers & bit(event.origin)) !== 0;

/** The condition holds; none means always. */
export const conditionHolds = ({ condition }: Candidate, input: EvaluationInput): boolean =>
  condition === undefined || condition.matches(input);

/**
 * The matching rule of SPEC §6, its checks in order: scope, state ACTIVE, action, trigger,
 * condition.
 */
export const MATCHING_RULE: readonly Check[] = [
  { name: 'scope', otherwise: 'none', holds: inScope },
  { name: 'state', otherwise: 'skip', holds: isActive },
  { name: 'action', otherwise: 'none', holds: actionAllowed },
  { name: 'trigger', otherwise: 'none', holds: triggerAllowed },
  { name: 'condition', otherwise: 'none', holds: (callback, _event, input) => conditionHolds(callback, input) },
];
