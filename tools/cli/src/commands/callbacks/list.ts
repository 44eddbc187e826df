import { Callback, CallbackState } from '@callbacks/proto/callbacks/v1/callback';
import { defineCommand, positionals } from '../../command';
import { enumFlag, keyValues } from '../../input/flag-values';
import { callbacksTable } from '../../output/views';
import { listPages, PAGING_HELP, PAGING_OPTIONS } from '../../paging';

export const listCallbacks = defineCommand({
  name: 'list',
  summary: 'list callbacks, filtered by scope, state and labels',
  usage: [
    'callbacks callbacks list [--account <id>] [--database <id>] [--collection <id>] [--state <s>] [--label k=v ...] [--all]',
  ],
  help: `Lists callbacks in id order (that is, creation order), a page at a time.

Options:
  --account <id>              only this account (default: every account the token may touch)
  --database <id>             only this database
  --collection <id>           only this collection
  --state <s>                 active, disabled, disabled-gone or disabled-failing
  --label <key=value>         only callbacks with this label; repeat: all must match
${PAGING_HELP}

Examples:
  callbacks callbacks list --account 42 --database 7
  callbacks callbacks list --state disabled-failing --all
  callbacks callbacks list --label team=crm --json | jq -r '.callbacks[].id'`,
  options: {
    account: { type: 'string' },
    database: { type: 'string' },
    collection: { type: 'string' },
    state: { type: 'string' },
    label: { type: 'string', multiple: true },
    ...PAGING_OPTIONS,
  },
  async run(ctx, args) {
    positionals(args, []);
    const { values } = args;
    const filter = {
      accountId: values.account ?? '',
      databaseId: values.database ?? '',
      collectionId: values.collection ?? '',
      state:
        values.state === undefined
          ? CallbackState.UNSPECIFIED
          : enumFlag<CallbackState>('state', values.state, CallbackState, 'CALLBACK_STATE_'),
      labels: keyValues('label', values.label ?? []),
    };
    const api = ctx.api();
    await listPages(ctx, values, {
      noun: 'callbacks',
      fetch: (paging) =>
        api
          .listCallbacks({ ...filter, ...paging })
          .then((r) => ({ items: r.callbacks, nextPageToken: r.nextPageToken })),
      toJSON: (item) => Callback.toJSON(item),
      view: callbacksTable,
    });
  },
});
