import { randomBytes } from 'node:crypto';
import { type ReplayDeliveriesRequest, ReplayDeliveriesResponse } from '@callbacks/proto/callbacks/v1/callback_service';
import { DeliveryState } from '@callbacks/proto/callbacks/v1/delivery';
import { defineCommand } from '../../command';
import { UsageError } from '../../errors';
import { enumList, splitList } from '../../input/flag-values';
import { count } from '../../output/count';
import { TIME_RANGE_HELP, TIME_RANGE_OPTIONS, timeRange } from './time-range';

/** Ids sent per call when they are named: well under the service's 10000, so progress shows. */
const BATCH = 1_000;

export const replayDeliveries = defineCommand({
  name: 'replay',
  summary: "deliver again, as new deliveries: named ones, or a callback's dead and skipped ones",
  usage: [
    'callbacks deliveries replay <delivery-id>... | -',
    'callbacks deliveries replay --callback <id> [--state dead,skipped] [--since <time>] [--until <time>]',
  ],
  help: `Replays deliveries with the callback's current settings; each replay is a new delivery whose
replayOf names the original. Prints the new delivery ids, one a line (--json: {"deliveryIds": [...]}).
The callback must be ACTIVE (exit 5 otherwise: enable it with 'callbacks update <id> --state active').

Options:
  <delivery-id>...            these deliveries; '-' reads ids from stdin (whitespace-separated),
                              sent ${BATCH} a call with progress on stderr
  --callback <id>             every delivery of this callback in --state created in the range
  --state <s>                 dead, skipped, pending or succeeded; repeat or comma-separate
                              (default: dead and skipped)
${TIME_RANGE_HELP}
  --request-id <id>           makes running the command again safe: the same originals are replayed
                              under the same ids and nothing is queued twice (within 2 h); without it
                              a fresh one is made, and shown with the progress

A bulk replay of more than 10000 deliveries is refused (exit 5): narrow the range.

Examples:
  callbacks deliveries replay dl_5e08f566e2782675793911c6ef539bce
  callbacks deliveries replay --callback cb_01JZ8X6Q5V3N4M2K1H0G9F8E7D --since 2025-06-01 --until 2025-06-03
  callbacks deliveries list --state dead --since 24h --all --json | jq -r '.deliveries[].id' | callbacks deliveries replay -`,
  options: {
    callback: { type: 'string' },
    state: { type: 'string', multiple: true },
    ...TIME_RANGE_OPTIONS,
    'request-id': { type: 'string' },
  },
  async run(ctx, args) {
    const { values, positionals } = args;
    const bySelection =
      values.callback !== undefined ||
      values.state !== undefined ||
      values.since !== undefined ||
      values.until !== undefined;
    if (positionals.length > 0 && bySelection)
      throw new UsageError('give delivery ids, or --callback with --state/--since/--until, not both');
    if (positionals.length === 0 && values.callback === undefined) {
      throw new UsageError(
        bySelection
          ? '--state, --since and --until select among the deliveries of a --callback <id>'
          : 'missing <delivery-id>... (or --callback <id>)',
      );
    }

    const progress = ctx.progress();
    const api = ctx.api();
    const replayed: string[] = [];
    const requestId = values['request-id'] ?? `cli-${randomBytes(12).toString('hex')}`;
    const none: ReplayDeliveriesRequest = {
      deliveryIds: [],
      callbackId: '',
      states: [],
      startTime: undefined,
      endTime: undefined,
      requestId,
    };
    if (bySelection) {
      progress.update(`replaying deliveries of ${values.callback} (request id ${requestId})...`);
      const states = enumList<DeliveryState>('state', values.state ?? [], DeliveryState, 'DELIVERY_STATE_');
      const response = await api.replayDeliveries({
        ...none,
        callbackId: values.callback ?? '',
        states,
        ...timeRange(values, ctx.io.now()),
      });
      replayed.push(...response.deliveryIds);
    } else {
      const ids =
        positionals.length === 1 && positionals[0] === '-'
          ? splitList((await ctx.io.readStdin()).split(/\s+/))
          : positionals;
      if (ids.length === 0) throw new UsageError('no delivery ids on stdin');
      for (let i = 0; i < ids.length; i += BATCH) {
        const response = await api.replayDeliveries({ ...none, deliveryIds: ids.slice(i, i + BATCH) });
        replayed.push(...response.deliveryIds);
        progress.update(`replayed ${replayed.length} of ${ids.length} deliveries (request id ${requestId})...`);
      }
    }
    progress.done(`replayed ${count(replayed.length, 'delivery', 'deliveries')}`);
    ctx.show({ deliveryIds: [], ...(ReplayDeliveriesResponse.toJSON({ deliveryIds: replayed }) as object) }, () =>
      replayed.length === 0 ? 'Nothing to replay.' : replayed.join('\n'),
    );
  },
});
