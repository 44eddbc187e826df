import { headers as natsHeaders } from '@nats-io/transport-node';
import type { Logger } from '@callbacks/logger';
import { SUBJECTS, SUBJECT_TEMPLATES, type NatsConnection } from '@callbacks/messaging';
import type { Callback } from '@callbacks/proto/callbacks/v1/callback';
import { CallbackChange, ChangeType } from '@callbacks/proto/callbacks/v1/callback_change';
import type { NatsTracing } from '@callbacks/telemetry';
import type { CallbackPublisher } from '../callbacks/ports';

/**
 * Publishes a CallbackChange on `callbacks.changes.v1.<account>` after every committed change.
 * A notice is a shortcut, not the source of truth: matchers also resync periodically, so a lost
 * notice (NATS down at that moment) delays a change instead of losing it, and the caller never
 * fails for it. But the caller waits (at most `flushTimeoutMs`) until the server has the notice:
 * the server passes it on to the matchers at once, ahead of any event published after the call
 * returns, so such an event is matched against the change (read-your-writes for publishers).
 * The notice continues the trace of the call that made the change.
 */
export class NatsChangeNotifier implements CallbackPublisher {
  constructor(
    private readonly nc: NatsConnection,
    private readonly log: Logger,
    private readonly tracing: NatsTracing,
    private readonly flushTimeoutMs = 1_000,
  ) {}

  upserted(callback: Callback): Promise<void> {
    return this.publish({
      type: ChangeType.UPSERTED,
      accountId: callback.accountId,
      callbackId: callback.id,
      revision: callback.revision,
      callback,
    });
  }

  deleted(callback: Callback): Promise<void> {
    return this.publish({
      type: ChangeType.DELETED,
      accountId: callback.accountId,
      callbackId: callback.id,
      revision: callback.revision,
      callback: undefined,
    });
  }

  private async publish(change: CallbackChange): Promise<void> {
    const subject = SUBJECTS.callbackChanges(change.accountId);
    const headers = natsHeaders();
    try {
      // Sent at once (`publish` calls `send` before it first waits): notices keep their order.
      await this.tracing.publish({ subject, template: SUBJECT_TEMPLATES.callbackChanges, headers }, async () => {
        this.nc.publish(subject, CallbackChange.encode(change).finish(), { headers });
        await this.withinFlushTimeout(this.nc.flush());
      });
    } catch (error) {
      this.log.warn(
        { err: error, callback_id: change.callbackId, revision: change.revision },
        'could not publish a callback change notice; matchers will pick the change up at their next resync',
      );
    }
  }

  private async withinFlushTimeout(flushed: Promise<void>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the NATS server did not confirm the notice within ${this.flushTimeoutMs} ms`)), this.flushTimeoutMs);
    });
    try {
      await Promise.race([flushed, late]);
    } finally {
      clearTimeout(timer);
    }
  }
}
