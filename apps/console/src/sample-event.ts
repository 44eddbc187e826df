import type { Callback, ProfileEvent } from './api';

/** A profile event in the callback's scope, for a test: a person edits it before running the test. */
export function sampleEvent(callback: Callback): ProfileEvent {
  return {
    eventId: `console-test-${Date.now()}`,
    accountId: callback.accountId ?? '',
    databaseId: callback.databaseId ?? '',
    ...(callback.collectionId ? { collectionId: callback.collectionId, subprofileId: '1' } : {}),
    profileId: '1',
    action: callback.actions?.[0] ?? 'ACTION_UPDATE',
    origin: callback.triggers?.[0] ?? 'ORIGIN_PUBLISHER',
    occurredAt: new Date().toISOString(),
    fields: { name: 'piet', city: 'Amsterdam' },
    previousFields: { city: 'Utrecht' },
  };
}

/** `name=piet` lines to a map, and back. */
export function parsePairs(text: string): Record<string, string> {
  const pairs: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const at = line.indexOf('=');
    if (at > 0) pairs[line.slice(0, at).trim()] = line.slice(at + 1);
  }
  return pairs;
}

export function formatPairs(pairs: Record<string, string> | undefined): string {
  return Object.entries(pairs ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join('\n');
}
