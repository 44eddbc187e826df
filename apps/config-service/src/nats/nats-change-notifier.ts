import type { Logger } from '@callbacks/logger';
import { SUBJECTS, type NatsConnection } from '@callbacks/messaging';
import type { Callback } from '@callbacks/proto/callbacks/v1/callback';
import { CallbackChange, ChangeType } from '@callbacks/proto/callbacks/v1/callback_change';
import type { CallbackChangeNotifier } from '../callbacks/ports';

/**
 * Publishes a CallbackChange on `callbacks.changes.v1.<account>` after every committed change.
 * A notice is a shortcut, not the source of truth: matchers also resync periodically, so a lost
 * notice (NATS down at that moment) delays a change instead of losing it. Hence fire-and-forget.
 */
export class NatsChangeNotifier implements CallbackChangeNotifier {
  constructor(
    private readonly nc: NatsConnection,
    private readonly log: Logger,
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
    try {
      this.nc.publish(SUBJECTS.callbackChanges(change.accountId), CallbackChange.encode(change).finish());
    } catch (error) {
      this.log.warn(
        { err: error, callback_id: change.callbackId, revision: change.revision },
        'could not publish a callback change notice; matchers will pick the change up at their next resync',
      );
    }
  }
}
