import { parseArgs } from 'node:util';
import { InvalidArgumentError } from '@callbacks/domain';
// The key tool's main() is its whole behaviour, reused as it is.
import { main as keysMain } from '@callbacks/keys';
import { type Command, type CommandGroup, commandHelp, GLOBAL_HELP, GLOBAL_OPTIONS, groupHelp } from './command';
import { callbacksGroup } from './commands/callbacks';
import { deliveriesGroup } from './commands/deliveries';
import { eventsGroup } from './commands/events';
import { Context, type Io } from './context';
import { CliError, UsageError } from './errors';
import { EXIT, EXIT_CODES_HELP, type ExitCode } from './exit-codes';
import { VERSION } from './version';

const GROUPS: readonly CommandGroup[] = [callbacksGroup, deliveriesGroup, eventsGroup];

const USAGE = 'Usage: callbacks <callbacks|deliveries|events|keys> <command> [options]';

export const HELP = `callbacks: the Callbacks command line for operators and developers.

${USAGE}
       callbacks --version

Commands:
${GROUPS.map((g) => `  ${g.name.padEnd(10)}  ${g.commands.map((c) => c.name).join(' | ')}`).join('\n')}
  keys        generate   (signing keys and their DNS TXT records; see 'callbacks keys --help')

${GLOBAL_HELP}

${EXIT_CODES_HELP}

Examples:
  export CALLBACKS_ADDR=127.0.0.1:50051 CALLBACKS_TOKEN=...
  callbacks callbacks create --account 42 --database 7 --url https://example.com/hook --action update
  callbacks callbacks list --state disabled-failing
  callbacks deliveries list --state dead --since 24h
  callbacks deliveries replay --callback cb_01JZ8X6Q5V3N4M2K1H0G9F8E7D --since 2d
  callbacks events publish --account 42 --database 7 --profile 1 --action update --origin publisher --field city=Amsterdam
  callbacks keys generate --selector cb-2025-07 --domain callbacks.example.com

Run 'callbacks <group> --help' or 'callbacks <group> <command> --help' for details.
`;

/** Runs one command line; returns the exit code. Never throws for an expected failure. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  const words = locate(argv);
  if (words.group === 'keys') {
    // The key tool has its own flags, help and exit codes (0, 1, 2, the same meanings as here).
    return keysMain(words.rest, { stdout: io.stdout, stderr: io.stderr, cwd: io.cwd, now: io.now });
  }
  const report = reporter(io, words.flags);
  if (words.group === undefined) {
    if (words.help) return print(io.stdout, HELP, EXIT.ok);
    if (words.version) return print(io.stdout, `callbacks ${VERSION}\n`, EXIT.ok);
    return report(new UsageError('missing command'), [USAGE]);
  }
  const group = GROUPS.find((g) => g.name === words.group);
  if (!group) {
    const owner = GROUPS.find((g) => g.commands.some((c) => c.name === words.group));
    const hint = owner ? ` (did you mean "callbacks ${owner.name} ${words.group}"?)` : '';
    return report(new UsageError(`unknown command ${JSON.stringify(words.group)}${hint}`), [USAGE]);
  }
  const command = group.commands.find((c) => c.name === words.command);
  if (!command) {
    if (words.command === undefined && words.help) return print(io.stdout, groupHelp(group), EXIT.ok);
    const problem =
      words.command === undefined
        ? `missing command after "${group.name}"`
        : `unknown command "${group.name} ${words.command}"`;
    return report(
      new UsageError(problem),
      [`Usage: callbacks ${group.name} <${group.commands.map((c) => c.name).join('|')}> [options]`],
      group,
    );
  }
  return runCommand(command, group, words.rest, io, report);
}

async function runCommand(
  command: Command,
  group: CommandGroup,
  argv: readonly string[],
  io: Io,
  report: Reporter,
): Promise<number> {
  let parsed;
  try {
    parsed = command.parse(argv);
  } catch (error) {
    return report(error, usageOf(command), group, command);
  }
  if (parsed.globals.help) return print(io.stdout, commandHelp(command), EXIT.ok);
  const ctx = new Context(io, parsed.globals);
  try {
    await parsed.run(ctx);
    return EXIT.ok;
  } catch (error) {
    return report(ctx.explain(error), usageOf(command), group, command);
  } finally {
    await ctx.close();
  }
}

type Reporter = (error: unknown, usage: readonly string[], group?: CommandGroup, command?: Command) => ExitCode;

/**
 * Prints a failure on stderr, `callbacks: <what went wrong>` and one indented line per detail,
 * and gives its exit code. Expected failures never show a stack trace; the token never shows.
 */
function reporter(io: Io, flags: readonly string[]): Reporter {
  const token = tokenOf(flags) ?? io.env['CALLBACKS_TOKEN'];
  const write = (lines: readonly string[]) => {
    const text = lines.join('\n');
    io.stderr(`${token && token.length >= 8 ? text.split(token).join('[token]') : text}\n`);
  };
  return (error, usage, group, command) => {
    if (error instanceof UsageError) {
      const help = command
        ? `callbacks ${group?.name} ${command.name} --help`
        : group
          ? `callbacks ${group.name} --help`
          : 'callbacks --help';
      write([`callbacks: ${error.message}`, ...usage, `Run '${help}' for details.`]);
      return EXIT.usage;
    }
    if (error instanceof CliError) {
      write([`callbacks: ${error.message}`, ...error.details.map((line) => `  ${line}`)]);
      return error.exitCode;
    }
    if (error instanceof InvalidArgumentError) {
      write([`callbacks: invalid input:`, ...error.violations.map((v) => `  ${v.field}: ${v.description}`)]);
      return EXIT.invalid;
    }
    const message = error instanceof Error ? error.message : String(error);
    write([
      `callbacks: unexpected error: ${message}`,
      ...(io.env['CALLBACKS_DEBUG'] && error instanceof Error && error.stack ? [error.stack] : []),
    ]);
    return EXIT.internal;
  };
}

function usageOf(command: Command): string[] {
  return [`Usage: ${command.usage.join('\n       ')}`];
}

function print(out: (text: string) => void, text: string, code: ExitCode): ExitCode {
  out(text);
  return code;
}

/**
 * Finds `<group> <command>` among the arguments: the first two words that are not global flags
 * or their values (`callbacks --json callbacks list` works as `callbacks callbacks list --json`).
 * Everything else goes to the command's own parser.
 */
function locate(argv: readonly string[]): {
  group?: string;
  command?: string;
  rest: string[];
  flags: string[];
  help: boolean;
  version: boolean;
} {
  const { tokens } = parseArgs({
    args: [...argv],
    options: GLOBAL_OPTIONS,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const help = tokens.some((t) => t.kind === 'option' && t.name === 'help');
  // Only before any command: after one, the command's own strict parser refuses it.
  const version = tokens.some((t) => t.kind === 'option' && t.name === 'version');
  const first = tokens.find((t) => t.kind === 'positional');
  if (!first) return { rest: [...argv], flags: [...argv], help, version };
  const before = argv.slice(0, first.index);
  const next = argv[first.index + 1];
  const command = next !== undefined && !next.startsWith('-') ? next : undefined;
  const rest = [...before, ...argv.slice(first.index + (command === undefined ? 1 : 2))];
  if (first.value === 'keys') return { group: 'keys', rest: argv.slice(first.index + 1), flags: [], help, version };
  return { group: first.value, ...(command === undefined ? {} : { command }), rest, flags: [...argv], help, version };
}

/** The --token value, to keep it out of error output. */
function tokenOf(argv: readonly string[]): string | undefined {
  const { values } = parseArgs({
    args: [...argv],
    options: { token: GLOBAL_OPTIONS.token },
    strict: false,
    allowPositionals: true,
  });
  return typeof values.token === 'string' ? values.token : undefined;
}
