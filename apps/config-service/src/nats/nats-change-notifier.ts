import { headers as natsHeaders } from '@nats-io/transport-node';
import type { Logger } from '@callbacks/logger';
import { SUBJECTS, SUBJECT_TEMPLATES, type NatsConnection } from '@callbacks/messaging';
import type { Callback } from '@callbacks/proto/callbacks/v1/callback';
import { CallbackChange, ChangeType } from '@callbacks/proto/callbacks/v1/callback_change';
import type { NatsTracing } from '@callbacks/telemetry';
import type { CallbackChangeNotifier } from '../callbacks/ports';

/**
 * Publishes a CallbackChange on `callbacks.changes.v1.<account>` after every committed change.
 * A notice is a shortcut, not the source of truth: matchers also resync periodically, so a lost
 * notice (NATS down at that moment) delays a change instead of losing it. Hence fire-and-forget.
 * The notice continues the trace of the call that made the change.
 */
export class NatsChangeNotifier implements CallbackChangeNotifier {
  constructor(
    private readonly nc: NatsConnection,
    private readonly log: Logger,
    private readonly tracing: NatsTracing,
  ) {}

  upserted(callback: Callback): void {
    this.publish({
      type: ChangeType.UPSERTED,
      accountId: callback.accountId,
      callbackId: callback.id,
      revision: callback.revision,
      callback,
    });
  }

  deleted(callback: Callback): void {
    this.publish({
      type: ChangeType.DELETED,
      accountId: callback.accountId,
      callbackId: callback.id,
      revision: callback.revision,
      callback: undefined,
    });
  }

  private publish(change: CallbackChange): void {
    const subject = SUBJECTS.callbackChanges(change.accountId);
    const headers = natsHeaders();
    // Sent at once (`publish` calls `send` before it first waits): notices keep their order.
    this.tracing
      .publish({ subject, template: SUBJECT_TEMPLATES.callbackChanges, headers }, async () => this.nc.publish(subject, CallbackChange.encode(change).finish(), { headers }))
      .catch((error: unknown) =>
        this.log.warn(
          { err: error, callback_id: change.callbackId, revision: change.revision },
          'could not publish a callback change notice; matchers will pick the change up at their next resync',
        ),
      );
  }
}
