import type { KV } from '@nats-io/kv';
import {
  callbackKey,
  encodeCallbackEntry,
  isWrongLastSequence,
  parseCallbackKey,
  readCallbacksBucket,
  toBucketEntry,
} from '@callbacks/messaging';
import type { Callback } from '@callbacks/proto/callbacks/v1/callback';
import type { BucketState, CallbackBucket, CallbackRevision } from '../callbacks/ports';

/** The CALLBACKS KV bucket: written with compare-and-set on the key's KV revision. */
export class NatsCallbackBucket implements CallbackBucket {
  constructor(
    private readonly kv: KV,
    private readonly timeoutMs = 5_000,
  ) {}

  async put(callback: Callback): Promise<'written' | 'current' | 'deleted'> {
    const { key, value } = encodeCallbackEntry(callback);
    // Another instance (or the reconciler) may write the key between our read and our write:
    // the write names the KV revision it read, so it fails then, and we read again.
    for (;;) {
      const current = await this.kv.get(key);
      if (current && current.operation !== 'PUT') return 'deleted';
      if (current) {
        const entry = toBucketEntry(current);
        if (entry.op === 'put' && entry.callback.revision >= callback.revision) return 'current';
      }
      try {
        // previousSeq 0: the key must never have been written (no value, no delete marker).
        await this.kv.put(key, value, { previousSeq: current?.revision ?? 0, timeout: this.timeoutMs });
        return 'written';
      } catch (error) {
        if (!isWrongLastSequence(error)) throw error;
      }
    }
  }

  async delete(callback: CallbackRevision): Promise<void> {
    await this.kv.delete(callbackKey(callback));
  }

  async states(): Promise<Map<string, BucketState>> {
    const states = new Map<string, BucketState>();
    for (const [id, entry] of await readCallbacksBucket(this.kv)) {
      const key = parseCallbackKey(entry.key);
      // An undecodable value counts as revision 0: any stored version replaces it.
      states.set(id, {
        ...key,
        revision: entry.op === 'put' ? entry.callback.revision : 0,
        deleted: entry.op === 'delete',
      });
    }
    return states;
  }
}
