import { connectNats, type NatsConnection } from '@callbacks/messaging';
import { CallbackApi } from './api/callback-api';
import { describeServiceError, isServiceError } from './api/service-errors';
import { CliError } from './errors';
import { EXIT } from './exit-codes';
import { NO_PROGRESS, type Progress, progressOn } from './output/progress';
import { apiSettings, type ConnectionFlags, natsSettings } from './settings';

/** The process as the CLI sees it; tests and the entry point provide it. */
export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly stderrIsTTY: boolean;
  /** Folder relative file names resolve against. */
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly readStdin: () => Promise<string>;
  readonly now: () => number;
}

export interface OutputFlags {
  readonly json?: boolean | undefined;
  readonly quiet?: boolean | undefined;
}

/**
 * What a command runs with: output in the chosen mode, progress, and connections opened only
 * when the command needs them (so `--help` and bad flags never touch the network) and closed
 * when it is done.
 */
export class Context {
  #api: CallbackApi | undefined;
  #nats: NatsConnection | undefined;

  constructor(
    readonly io: Io,
    private readonly flags: ConnectionFlags & OutputFlags,
  ) {}

  get json(): boolean {
    return this.flags.json === true;
  }

  /** The config service client; without a token there is nothing to call with (exit 6). */
  api(): CallbackApi {
    if (!this.#api) {
      const settings = apiSettings(this.flags, this.io.env);
      if (settings.token === '') throw new CliError(EXIT.auth, 'no token: set CALLBACKS_TOKEN (or pass --token)');
      this.#api = new CallbackApi(settings);
    }
    return this.#api;
  }

  /** A NATS connection for one command: one try, and an unreachable NATS is exit 7. */
  async nats(): Promise<NatsConnection> {
    if (!this.#nats) {
      const { servers } = natsSettings(this.flags, this.io.env);
      try {
        this.#nats = await connectNats({ servers, name: 'callbacks-cli', once: true });
      } catch (error) {
        const where = servers.map(withoutCredentials).join(', ');
        throw new CliError(EXIT.unavailable, `cannot reach NATS at ${where}: ${(error as Error).message}`);
      }
    }
    return this.#nats;
  }

  progress(): Progress {
    return this.flags.quiet
      ? NO_PROGRESS
      : progressOn({ write: this.io.stderr, isTTY: this.io.stderrIsTTY }, this.io.now);
  }

  /** Prints `json` (proto3 JSON) with --json, else the human view. */
  show(json: unknown, human: () => string): void {
    if (this.json) this.io.stdout(`${JSON.stringify(json, null, 2)}\n`);
    else this.io.stdout(`${human()}\n`);
  }

  /** Turns a failed call into the CLI's error (exit code and message); anything else stays as it is. */
  explain(error: unknown): unknown {
    return isServiceError(error) ? describeServiceError(error, this.#api?.address ?? 'the configured address') : error;
  }

  async close(): Promise<void> {
    this.#api?.close();
    await this.#nats?.close();
  }
}

/** NATS URLs may carry a user and password; error messages show only where. */
function withoutCredentials(server: string): string {
  try {
    const url = new URL(server);
    url.username = '';
    url.password = '';
    return url.toString().replace(/\/$/, '');
  } catch {
    return '(unparsable URL)';
  }
}
