/**
 * How long each pull request of a consume loop waits on the server (nats.js defaults to 30 s). A
 * pull lives on the consumer's leader: when that node dies on a cluster, the client only learns
 * it from two missed idle heartbeats (half this each) and then pulls from the new leader, so this
 * bounds the stall a leader change causes. One pull per this time per idle instance is the cost.
 */
export const PULL_EXPIRES_MS = 2_000;

/**
 * A durable consumer's consume loop, run for as long as the service runs. Should it end (or
 * fail) without `stop` — the consumer or its stream was deleted (consumers are pulled with
 * `abort_on_missing_resource`, rather than waiting forever for messages that can no longer
 * come) or the connection closed for good — `failed` resolves with the reason; never when the
 * service stopped it.
 */
export class ConsumeLoop {
  private loop: Promise<void> | undefined;
  private stopping = false;
  private lost: (reason: Error) => void = () => undefined;
  readonly failed = new Promise<Error>((resolve) => (this.lost = resolve));

  constructor(private readonly consumer: string) {}

  /** Watches the loop that consumes the messages. */
  start(loop: Promise<void>): void {
    this.loop = loop;
    loop.then(
      () => {
        if (!this.stopping)
          this.lost(
            new Error(`the ${this.consumer} consumer stopped delivering messages: it or its stream was deleted`),
          );
      },
      (error: unknown) => {
        if (!this.stopping)
          this.lost(
            new Error(
              `the ${this.consumer} consumer failed: ${error instanceof Error ? error.message : String(error)}`,
              { cause: error },
            ),
          );
      },
    );
  }

  /** Stops it: `close` ends the loop (closing its messages); resolves once the loop has ended. */
  async stop(close: () => Promise<unknown> | undefined): Promise<void> {
    this.stopping = true;
    await close();
    await this.loop?.catch(() => undefined);
  }
}
