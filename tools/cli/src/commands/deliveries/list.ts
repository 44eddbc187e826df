import { Delivery, DeliveryState } from '@callbacks/proto/callbacks/v1/delivery';
import { defineCommand, positionals } from '../../command';
import { enumFlag } from '../../input/flag-values';
import { deliveriesTable } from '../../output/views';
import { listPages, PAGING_HELP, PAGING_OPTIONS } from '../../paging';
import { TIME_RANGE_HELP, TIME_RANGE_OPTIONS, timeRange } from './time-range';

export const listDeliveries = defineCommand({
  name: 'list',
  summary: 'list deliveries, newest first, by callback, state and creation time',
  usage: ['callbacks deliveries list [--callback <id>] [--state <s>] [--since <time>] [--until <time>] [--all]'],
  help: `Lists deliveries of the token's accounts, newest first, with their latest attempt's result.

Options:
  --callback <id>             only this callback's deliveries
  --state <s>                 pending, succeeded, dead or skipped
${TIME_RANGE_HELP}
${PAGING_HELP}

Examples:
  callbacks deliveries list --state dead --since 24h
  callbacks deliveries list --callback cb_01JZ8X6Q5V3N4M2K1H0G9F8E7D --since 2025-06-01 --until 2025-06-03 --all
  callbacks deliveries list --state dead --all --json | jq -r '.deliveries[].id'`,
  options: {
    callback: { type: 'string' },
    state: { type: 'string' },
    ...TIME_RANGE_OPTIONS,
    ...PAGING_OPTIONS,
  },
  async run(ctx, args) {
    positionals(args, []);
    const { values } = args;
    const filter = {
      callbackId: values.callback ?? '',
      state:
        values.state === undefined
          ? DeliveryState.UNSPECIFIED
          : enumFlag<DeliveryState>('state', values.state, DeliveryState, 'DELIVERY_STATE_'),
      ...timeRange(values, ctx.io.now()),
    };
    const api = ctx.api();
    await listPages(ctx, values, {
      noun: 'deliveries',
      fetch: (paging) =>
        api
          .listDeliveries({ ...filter, ...paging })
          .then((r) => ({ items: r.deliveries, nextPageToken: r.nextPageToken })),
      toJSON: (item) => Delivery.toJSON(item),
      view: deliveriesTable,
    });
  },
});
