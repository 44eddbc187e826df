import { timeFlag } from '../../input/flag-values';

export const TIME_RANGE_OPTIONS = {
  since: { type: 'string' },
  until: { type: 'string' },
} as const;

export const TIME_RANGE_HELP = `  --since <time>              created at or after: ISO time (2025-06-01T10:00:00Z), date, or how
                              long ago (24h, 7d)
  --until <time>              created before (same forms)`;

/** `[start_time, end_time)` of the deliveries' creation, as the API takes it. */
export function timeRange(values: { since?: string | undefined; until?: string | undefined }, now: number) {
  return {
    startTime: values.since === undefined ? undefined : timeFlag('since', values.since, now),
    endTime: values.until === undefined ? undefined : timeFlag('until', values.until, now),
  };
}
