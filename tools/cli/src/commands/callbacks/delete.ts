import { defineCommand, positionals } from '../../command';
import { expectedRevision, REVISION_HELP, REVISION_OPTIONS } from '../../input/flag-values';

export const deleteCallback = defineCommand({
  name: 'delete',
  summary: 'delete a callback',
  usage: ['callbacks callbacks delete <id> [--expected-revision <n>]'],
  help: `Deletes a callback; matchers stop matching it within a second. Its deliveries stay in the log
until they expire.

Options:
${REVISION_HELP}

Examples:
  callbacks callbacks delete cb_01JZ8X6Q5V3N4M2K1H0G9F8E7D --expected-revision 4`,
  options: REVISION_OPTIONS,
  async run(ctx, args) {
    const [id = ''] = positionals(args, ['<id>']);
    await ctx.api().deleteCallback({ id, expectedRevision: expectedRevision(args.values) });
    ctx.show({}, () => `Deleted callback ${id}.`);
  },
});
