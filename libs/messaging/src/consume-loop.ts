/**
 * Why a consume loop ended on its own. A durable consumer's loop runs for as long as the service
 * does; when it ends (or fails) without the service stopping it, the consumer or its stream was
 * deleted (consumers are pulled with `abort_on_missing_resource`, rather than waiting forever for
 * messages that can no longer come) or the connection closed for good. Resolves with the reason
 * then, and never when the service stopped the loop itself.
 */
export function unexpectedEnd(loop: Promise<void>, stopping: () => boolean, consumer: string): Promise<Error> {
  return new Promise((resolve) => {
    loop.then(
      () => {
        if (!stopping()) resolve(new Error(`the ${consumer} consumer stopped delivering messages: it or its stream was deleted`));
      },
      (error: unknown) => {
        if (!stopping()) resolve(new Error(`the ${consumer} consumer failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error }));
      },
    );
  });
}
