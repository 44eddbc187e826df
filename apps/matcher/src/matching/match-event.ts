import type { EvaluationInput } from '@callbacks/conditions';
import type { ProfileEvent } from '@callbacks/proto/callbacks/events/v1/profile_event';
import { CallbackState } from '@callbacks/proto/callbacks/v1/callback';
import type { CallbackIndex, IndexedCallback } from '../callbacks/callback-index';

export interface Match {
  entry: IndexedCallback;
  /** The callback is disabled: the delivery is recorded as skipped, not sent (SPEC §7.5). */
  skipped: boolean;
}

/**
 * The callbacks an event fires (SPEC §6): same account and database (profile events) or
 * collection (subprofile events), the action and origin allowed, the condition true. A callback
 * that is not ACTIVE still matches, as skipped, so that nothing is silently lost while it is
 * disabled and the delivery can be replayed once it is enabled again.
 */
export function matchEvent(event: ProfileEvent, input: EvaluationInput, index: CallbackIndex): Match[] {
  const candidates = index.candidates(event.accountId, event.databaseId, event.collectionId);
  const actionBit = 1 << event.action;
  const originBit = 1 << event.origin;
  const matched: Match[] = [];
  for (const entry of candidates) {
    if (entry.actions !== 0 && (entry.actions & actionBit) === 0) continue;
    if (entry.triggers !== 0 && (entry.triggers & originBit) === 0) continue;
    if (entry.condition && !entry.condition.matches(input)) continue;
    matched.push({ entry, skipped: entry.callback.state !== CallbackState.ACTIVE });
  }
  return matched;
}
