import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Context } from './context';
import { UsageError } from './errors';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Flags every command takes: where the services are, who is calling, how to print. */
export const GLOBAL_OPTIONS = {
  addr: { type: 'string' },
  token: { type: 'string' },
  tls: { type: 'boolean' },
  deadline: { type: 'string' },
  nats: { type: 'string' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

export const GLOBAL_HELP = `Global options (every command):
  --addr <host:port>  config service (env CALLBACKS_ADDR; default 127.0.0.1:50051)
  --token <token>     bearer token (env CALLBACKS_TOKEN, preferred: a flag shows in the process list)
  --tls               TLS to the config service, system CAs (env CALLBACKS_TLS=true)
  --deadline <dur>    how long one call may take (env CALLBACKS_DEADLINE; default 60s)
  --nats <urls>       NATS servers, comma-separated, for events publish (env NATS_URL; default nats://127.0.0.1:4222)
  --json              print proto3 JSON for scripts instead of tables
  -q, --quiet         no progress lines on stderr
  -h, --help          help for the command`;

type Config<O extends Options> = {
  args: string[];
  options: typeof GLOBAL_OPTIONS & O;
  strict: true;
  allowPositionals: true;
  allowNegative: true;
};

/** What a command's flags parse to: typed values (global ones included) and the positionals. */
export type Args<O extends Options> = ReturnType<typeof parseArgs<Config<O>>>;
export type GlobalValues = Args<Record<never, never>>['values'];

export interface Command {
  readonly name: string;
  readonly summary: string;
  /** Usage lines, `callbacks callbacks get <id>`. */
  readonly usage: readonly string[];
  /** What it does, its own options and examples. */
  readonly help: string;
  /** Parses the command's flags; the result runs it (or says it only wanted help). */
  parse(argv: readonly string[]): { globals: GlobalValues; run: (ctx: Context) => Promise<void> };
}

export interface CommandGroup {
  readonly name: string;
  readonly summary: string;
  readonly commands: readonly Command[];
}

/** A command whose `run` sees its flags typed from its option table. */
export function defineCommand<const O extends Options>(spec: {
  name: string;
  summary: string;
  usage: readonly string[];
  help: string;
  options: O;
  run(ctx: Context, args: Args<O>): Promise<void>;
}): Command {
  return {
    name: spec.name,
    summary: spec.summary,
    usage: spec.usage,
    help: spec.help,
    parse(argv) {
      let args: Args<O>;
      try {
        const config: Config<O> = {
          args: [...argv],
          options: { ...GLOBAL_OPTIONS, ...spec.options },
          strict: true,
          allowPositionals: true,
          allowNegative: true,
        };
        args = parseArgs(config);
      } catch (error) {
        // node:util's messages name the flag and say what is wrong with it.
        throw new UsageError((error as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
      }
      return { globals: args.values, run: (ctx) => spec.run(ctx, args) };
    },
  };
}

/** Exactly `count` positionals, named for the error message (`<id>`). */
export function positionals(args: { positionals: string[] }, names: readonly string[]): string[] {
  const given = args.positionals;
  if (given.length < names.length) throw new UsageError(`missing ${names.slice(given.length).join(' ')}`);
  if (given.length > names.length) throw new UsageError(`unexpected argument ${JSON.stringify(given[names.length])}`);
  return given;
}

export function commandHelp(command: Command): string {
  return `Usage: ${command.usage.join('\n       ')}\n\n${command.help.trim()}\n\nRun 'callbacks --help' for the global options (--addr, --token, --nats, --json) and exit codes.\n`;
}

export function groupHelp(group: CommandGroup): string {
  const width = Math.max(...group.commands.map((c) => c.name.length));
  const commands = group.commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n');
  return `Usage: callbacks ${group.name} <command> [options]\n\n${group.summary}\n\nCommands:\n${commands}\n\nRun 'callbacks ${group.name} <command> --help' for a command's options and examples.\n`;
}
