import { InvalidArgumentError, isId, Violations } from '@callbacks/domain';
import {
  type GetDeliveryStatsRequest,
  type GetDeliveryStatsResponse,
  StatsInterval,
} from '@callbacks/proto/callbacks/v1/callback_service';
import type { Principal } from '../auth/tokens';
import type { CallbackRepository, Clock } from '../callbacks/ports';
import { assertMayAccess, callbackNotFound, scopeOf } from '../callbacks/scope';
import { timeRange } from './delivery-request';
import { summarise } from './delivery-stats';
import type { DeliveryStatsStore } from './ports';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** Up to this long a period is shown by the minute unless asked otherwise. */
const MINUTES_UP_TO = 6 * HOUR;
const MAX_INTERVALS = 1_440;

/**
 * Statistics of one callback or one account: attempts by outcome per minute or hour, the failure
 * rate and latency percentiles. Read from per-minute tallies that recording results keeps up to
 * date (delivery-stats.ts), so the answer costs the same with ten or a million deliveries.
 */
export class GetDeliveryStats {
  constructor(private readonly deps: { stats: DeliveryStatsStore; repository: CallbackRepository; clock: Clock }) {}

  async execute(principal: Principal, request: GetDeliveryStatsRequest): Promise<GetDeliveryStatsResponse> {
    const v = Violations.root();
    if (request.callbackId !== '' && !isId(request.callbackId))
      v.add('INVALID_ID', 'is not a callback id', 'callback_id');
    if (request.accountId !== '' && !isId(request.accountId)) v.add('INVALID_ID', 'is not an account id', 'account_id');
    if (![StatsInterval.UNSPECIFIED, StatsInterval.MINUTE, StatsInterval.HOUR].includes(request.interval)) {
      v.add('UNKNOWN_ENUM', 'must be STATS_INTERVAL_MINUTE or STATS_INTERVAL_HOUR', 'interval');
    }
    timeRange(request.startTime, request.endTime, v);
    if (!v.empty) throw new InvalidArgumentError(v.all);

    const until = ceilTo(request.endTime ?? this.deps.clock(), MINUTE);
    const from = floorTo(request.startTime ?? new Date(until.getTime() - HOUR), MINUTE);
    const interval =
      request.interval === StatsInterval.MINUTE ||
      (request.interval === StatsInterval.UNSPECIFIED && until.getTime() - from.getTime() <= MINUTES_UP_TO)
        ? StatsInterval.MINUTE
        : StatsInterval.HOUR;
    const intervalMs = interval === StatsInterval.MINUTE ? MINUTE : HOUR;
    const start = floorTo(from, intervalMs);
    const end = ceilTo(until, intervalMs);
    if ((end.getTime() - start.getTime()) / intervalMs > MAX_INTERVALS) {
      throw new InvalidArgumentError([
        {
          field: 'end_time',
          reason: 'OUT_OF_RANGE',
          description: `the period holds more than ${MAX_INTERVALS} ${interval === StatsInterval.MINUTE ? 'minutes' : 'hours'}: shorten it or ask for hours`,
        },
      ]);
    }

    const scope = scopeOf(principal);
    let filter: { callbackId: string } | { accountId: string };
    if (request.callbackId !== '') {
      // Another account's callback is not found, as everywhere.
      if (!(await this.deps.repository.findById(request.callbackId, scope))) throw callbackNotFound(request.callbackId);
      filter = { callbackId: request.callbackId };
    } else {
      const accountId = request.accountId || (scope !== '*' && scope.length === 1 ? (scope[0] ?? '') : '');
      if (accountId === '')
        throw new InvalidArgumentError([
          {
            field: 'account_id',
            reason: 'REQUIRED',
            description: 'is required without a callback_id (the token may touch several accounts)',
          },
        ]);
      assertMayAccess(principal, accountId);
      filter = { accountId };
    }
    const tallies = await this.deps.stats.read({ ...filter, from: start, until: end });
    return { startTime: start, endTime: end, interval, ...summarise(tallies, start, end, intervalMs) };
  }
}

function floorTo(date: Date, ms: number): Date {
  return new Date(Math.floor(date.getTime() / ms) * ms);
}

function ceilTo(date: Date, ms: number): Date {
  return new Date(Math.ceil(date.getTime() / ms) * ms);
}
