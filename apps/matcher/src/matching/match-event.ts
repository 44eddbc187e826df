import type { EvaluationInput } from '@callbacks/conditions';
import type { ProfileEvent } from '@callbacks/proto/callbacks/events/v1/profile_event';
import { CallbackState } from '@callbacks/proto/callbacks/v1/callback';
import type { CallbackIndex, IndexedCallback } from '../callbacks/callback-index';

/**
 * The callbacks an event fires (SPEC §6): same account and database (profile events) or
 * collection (subprofile events), ACTIVE, the action and origin allowed, the condition true.
 */
export function matchEvent(event: ProfileEvent, input: EvaluationInput, index: CallbackIndex): IndexedCallback[] {
  const candidates = index.candidates(event.accountId, event.databaseId, event.collectionId);
  const actionBit = 1 << event.action;
  const originBit = 1 << event.origin;
  const matched: IndexedCallback[] = [];
  for (const entry of candidates) {
    if (entry.callback.state !== CallbackState.ACTIVE) continue;
    if (entry.actions !== 0 && (entry.actions & actionBit) === 0) continue;
    if (entry.triggers !== 0 && (entry.triggers & originBit) === 0) continue;
    if (entry.condition && !entry.condition.matches(input)) continue;
    matched.push(entry);
  }
  return matched;
}
