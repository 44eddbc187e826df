import { Callback } from '@callbacks/proto/callbacks/v1/callback';
import { answered } from '../../api/callback-api';
import { defineCommand, positionals } from '../../command';
import { callbackView } from '../../output/views';

export const getCallback = defineCommand({
  name: 'get',
  summary: 'show one callback',
  usage: ['callbacks callbacks get <id>'],
  help: `Prints a callback's settings, state, revision and times. Exit 3 when there is no such
callback in the token's accounts.

Examples:
  callbacks callbacks get cb_01JZ8X6Q5V3N4M2K1H0G9F8E7D
  callbacks callbacks get cb_01JZ8X6Q5V3N4M2K1H0G9F8E7D --json > callback.json`,
  options: {},
  async run(ctx, args) {
    const [id = ''] = positionals(args, ['<id>']);
    const callback = answered((await ctx.api().getCallback({ id })).callback, 'the callback');
    ctx.show(Callback.toJSON(callback), () => callbackView(callback));
  },
});
