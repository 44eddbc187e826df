import { Callback, CallbackState } from '@callbacks/proto/callbacks/v1/callback';
import { answered } from '../../api/callback-api';
import { defineCommand, positionals } from '../../command';
import { UsageError } from '../../errors';
import { applyCallbackFlags, CALLBACK_FIELD_HELP, CALLBACK_FIELD_OPTIONS } from '../../input/callback-flags';
import { enumFlag, expectedRevision, REVISION_HELP, REVISION_OPTIONS } from '../../input/flag-values';
import { showWithSecret } from './create';

export const updateCallback = defineCommand({
  name: 'update',
  summary: 'change the settings named by the flags (the field mask follows the flags)',
  usage: ['callbacks callbacks update <id> [options] [--expected-revision <n>]'],
  help: `Changes exactly the settings given as flags and prints the callback. The account, database
and collection never change (create a new callback instead).

Options:
${CALLBACK_FIELD_HELP}
  --clear-condition           remove the condition (the callback fires for every matching event)
  --state <s>                 active (enable again, e.g. after DISABLED_FAILING) or disabled
${REVISION_HELP}

Examples:
  callbacks callbacks update cb_01JZ8X6Q5V3N4M2K1H0G9F8E7D --url https://example.com/v2 --expected-revision 3
  callbacks callbacks update cb_01JZ8X6Q5V3N4M2K1H0G9F8E7D --state active
  callbacks callbacks update cb_01JZ8X6Q5V3N4M2K1H0G9F8E7D --action create,update --timeout 5s --rate 20`,
  options: {
    ...CALLBACK_FIELD_OPTIONS,
    'clear-condition': { type: 'boolean' },
    state: { type: 'string' },
    ...REVISION_OPTIONS,
  },
  async run(ctx, args) {
    const [id = ''] = positionals(args, ['<id>']);
    const { values } = args;
    const callback = Callback.fromPartial({ id });
    const paths = await applyCallbackFlags(callback, values, ctx.io);
    if (values['clear-condition']) {
      if (paths.includes('condition'))
        throw new UsageError('--clear-condition cannot be combined with --condition-file or --expression');
      paths.push('condition');
    }
    if (values.state !== undefined) {
      callback.state = enumFlag<CallbackState>('state', values.state, CallbackState, 'CALLBACK_STATE_');
      paths.push('state');
    }
    if (paths.length === 0) throw new UsageError('nothing to update: give at least one setting, e.g. --url or --state');
    const response = await ctx
      .api()
      .updateCallback({ callback, updateMask: paths, expectedRevision: expectedRevision(values) });
    showWithSecret(ctx, answered(response.callback, 'the callback'), response.secret);
  },
});
