import { InvalidArgumentError, isId, Violations } from '@callbacks/domain';
import type { ListDeliveriesRequest, ListDeliveriesResponse } from '@callbacks/proto/callbacks/v1/callback_service';
import { DeliveryState } from '@callbacks/proto/callbacks/v1/delivery';
import type { Principal } from '../auth/tokens';
import { decodePageToken, encodePageToken, invalidPageToken, pageSizeOf } from '../callbacks/page-token';
import { scopeOf } from '../callbacks/scope';
import { checkState, timeRange } from './delivery-request';
import type { DeliveryCursor, DeliveryFilter, DeliveryLog } from './ports';

/**
 * The delivery log of the caller's accounts (SPEC §7.7), newest first, by callback, state and
 * creation time. Newest first suits a log, and keeps pages stable: deliveries recorded while
 * someone pages land before the first page, never between pages.
 */
export class ListDeliveries {
  constructor(private readonly deps: { log: DeliveryLog }) {}

  async execute(principal: Principal, request: ListDeliveriesRequest): Promise<ListDeliveriesResponse> {
    const v = Violations.root();
    if (request.callbackId !== '' && !isId(request.callbackId))
      v.add('INVALID_ID', 'is not a callback id', 'callback_id');
    checkState(request.state, v, 'state', true);
    const range = timeRange(request.startTime, request.endTime, v);
    const size = pageSizeOf(request.pageSize, v);
    if (!v.empty) throw new InvalidArgumentError(v.all);

    const filter: DeliveryFilter = {
      scope: scopeOf(principal),
      ...(request.callbackId ? { callbackId: request.callbackId } : {}),
      ...(request.state !== DeliveryState.UNSPECIFIED ? { states: [request.state] } : {}),
      ...range,
    };
    const after = decodeCursor(decodePageToken(request.pageToken, filter));
    // One extra row tells whether another page follows without a second query.
    const rows = await this.deps.log.list(filter, after, size + 1);
    const deliveries = rows.slice(0, size);
    const last = deliveries[deliveries.length - 1];
    return {
      deliveries,
      nextPageToken:
        rows.length > size && last?.createTime
          ? encodePageToken(encodeCursor({ createTime: last.createTime, id: last.id }), filter)
          : '',
    };
  }
}

function encodeCursor(cursor: DeliveryCursor): string {
  return `${cursor.createTime.getTime()}:${cursor.id}`;
}

function decodeCursor(raw: string | undefined): DeliveryCursor | undefined {
  if (raw === undefined) return undefined;
  const match = /^(\d+):(.+)$/.exec(raw);
  if (!match?.[1] || !match[2]) throw invalidPageToken('is not a page token from this API');
  return { createTime: new Date(Number(match[1])), id: match[2] };
}
