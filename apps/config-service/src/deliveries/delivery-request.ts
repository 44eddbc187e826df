import { isTimestamp, NotFoundError, TIME_RANGE_DESCRIPTION, type Violations } from '@callbacks/domain';
import { DeliveryState, deliveryStateToJSON } from '@callbacks/proto/callbacks/v1/delivery';
import { requireId } from '../callbacks/scope';

const STATES = [DeliveryState.PENDING, DeliveryState.SUCCEEDED, DeliveryState.DEAD, DeliveryState.SKIPPED];

/** A delivery state named in a request; UNSPECIFIED only where `allowUnspecified` ("any state"). */
export function checkState(state: DeliveryState, v: Violations, field: string, allowUnspecified: boolean): void {
  if (STATES.includes(state) || (allowUnspecified && state === DeliveryState.UNSPECIFIED)) return;
  v.add('UNKNOWN_ENUM', `must be one of ${STATES.map(deliveryStateToJSON).join(', ')}`, field);
}

/** `[start_time, end_time)` of a request; either end may be open. */
export function timeRange(
  start: Date | undefined,
  end: Date | undefined,
  v: Violations,
): { from?: Date; until?: Date } {
  if (start && !isTimestamp(start)) v.add('OUT_OF_RANGE', TIME_RANGE_DESCRIPTION, 'start_time');
  if (end && !isTimestamp(end)) v.add('OUT_OF_RANGE', TIME_RANGE_DESCRIPTION, 'end_time');
  else if (start && end && start.getTime() >= end.getTime())
    v.add('INVALID_RANGE', 'must be later than start_time', 'end_time');
  return { ...(start ? { from: start } : {}), ...(end ? { until: end } : {}) };
}

export function requireDeliveryId(id: string, field = 'id'): string {
  return requireId(id, field, 'delivery');
}

export function deliveryNotFound(id: string): NotFoundError {
  return new NotFoundError('delivery', id);
}
