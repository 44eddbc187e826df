import {
  type ConsumerMessages,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  jetstreamManager,
} from '@nats-io/jetstream';
import { Bucket, type KV, Kvm, type KvWatchEntry } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { Callback } from '@callbacks/proto/callbacks/v1/callback';

/**
 * The KV bucket through which callbacks reach the matchers (SPEC §6). The config service alone
 * writes it (and reconciles it with MongoDB); matchers watch it.
 */
export const CALLBACKS_BUCKET = 'CALLBACKS';

/**
 * A callback's key: `<account>.<database>.<callback>`. Account and database never change for a
 * callback, so neither does its key; a watcher of one account (`acct.>`) or one database
 * (`acct.db.>`) needs no other layout. Ids are `[A-Za-z0-9_-]`, all valid key characters.
 */
export function callbackKey(callback: Pick<Callback, 'accountId' | 'databaseId' | 'id'>): string {
  return `${callback.accountId}.${callback.databaseId}.${callback.id}`;
}

/**
 * A callback as the bucket stores it: its key, its value (the protobuf encoding) and the subject
 * a put of that key is published on (for a writer that pipelines many puts, as a benchmark does).
 */
export function encodeCallbackEntry(callback: Callback): { key: string; subject: string; value: Uint8Array } {
  const key = callbackKey(callback);
  return { key, subject: `$KV.${CALLBACKS_BUCKET}.${key}`, value: Callback.encode(callback).finish() };
}

/** The parts of a key (`<account>.<database>.<callback>`). */
export function parseCallbackKey(key: string): { accountId: string; databaseId: string; id: string } {
  const [accountId = '', databaseId = '', id = ''] = key.split('.');
  return { accountId, databaseId, id };
}

/**
 * What the bucket says about one callback: its current version, or that it was deleted (a KV
 * delete marker, which stays: callback ids are never reused, so a deleted callback is gone for good).
 */
export type BucketEntry =
  | { op: 'put'; key: string; id: string; kvRevision: number; callback: Callback }
  | { op: 'delete'; key: string; id: string; kvRevision: number }
  | { op: 'invalid'; key: string; id: string; kvRevision: number; error: Error };

/**
 * The same with the callback still encoded, for a reader that decodes on first use (a matcher
 * holding a million callbacks keeps their bytes, a fraction of the decoded objects). `value` is a
 * copy: the entry's own bytes may share a buffer with the rest of a network read.
 */
export type EncodedBucketEntry =
  | { op: 'put'; key: string; id: string; kvRevision: number; value: Uint8Array }
  | { op: 'delete'; key: string; id: string; kvRevision: number };

/** The header of a KV delete or purge marker (nats.js does not export its name). */
const KV_OPERATION = 'KV-Operation';

type KvEntry = Pick<KvWatchEntry, 'key' | 'revision' | 'operation' | 'value'>;

export function toEncodedBucketEntry(entry: KvEntry): EncodedBucketEntry {
  const base = { key: entry.key, id: parseCallbackKey(entry.key).id, kvRevision: entry.revision };
  // Buffer.from copies a small value into Node's shared pool: a few bytes of overhead, not a buffer each.
  return entry.operation === 'PUT'
    ? { op: 'put', ...base, value: Buffer.from(entry.value) }
    : { op: 'delete', ...base };
}

export function toBucketEntry(entry: KvEntry): BucketEntry {
  const base = { key: entry.key, id: parseCallbackKey(entry.key).id, kvRevision: entry.revision };
  if (entry.operation !== 'PUT') return { op: 'delete', ...base };
  try {
    return { op: 'put', ...base, callback: Callback.decode(entry.value) };
  } catch (error) {
    return { op: 'invalid', ...base, error: error as Error };
  }
}

/**
 * Creates the bucket, or brings its replicas to the wanted number: the config service's, at
 * start-up. One value per key (history 1): a watcher needs the latest version only.
 */
export async function ensureCallbacksBucket(nc: NatsConnection, settings: { replicas: number }): Promise<void> {
  await new Kvm(nc).create(CALLBACKS_BUCKET, { history: 1, replicas: settings.replicas, storage: 'file' });
  const jsm = await jetstreamManager(nc);
  const { config } = await jsm.streams.info(`KV_${CALLBACKS_BUCKET}`);
  if (config.num_replicas !== settings.replicas)
    await jsm.streams.update(config.name, { ...config, num_replicas: settings.replicas });
}

/**
 * Whether a KV write that named the key's last revision (compare-and-set, or `create`'s "never
 * written") failed because the key moved on meanwhile: read again, or someone else won.
 */
export function isWrongLastSequence(error: unknown): boolean {
  return (
    error instanceof JetStreamApiError &&
    (error.code === JetStreamApiCodes.StreamWrongLastSequence ||
      error.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown)
  );
}

/** A handle on the bucket, without asking the server (it may not exist yet; writes fail until it does). */
export function bindCallbacksBucket(nc: NatsConnection): Promise<KV> {
  return new Kvm(nc).open(CALLBACKS_BUCKET);
}

/** Thrown while the config service has not created the bucket yet. */
export class BucketMissingError extends Error {
  override readonly name = 'BucketMissingError';
}

/** Binds to the bucket, which must exist (a reader never creates it: it would impose its settings). */
export async function openCallbacksBucket(nc: NatsConnection): Promise<KV> {
  const kv = await bindCallbacksBucket(nc);
  try {
    await kv.status();
  } catch (error) {
    if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound) {
      throw new BucketMissingError(
        `the ${CALLBACKS_BUCKET} bucket does not exist yet (the config service creates it)`,
        { cause: error },
      );
    }
    throw error;
  }
  return kv;
}

/**
 * Follows the bucket: every key's latest entry first (the snapshot), then every change as it is
 * written, in the bucket's order. nats.js's ordered consumer underneath resumes after the last
 * entry seen when the connection comes back, so no change is lost or reordered by a reconnect.
 * `ready` resolves once the watch has caught up with what the bucket held when it began.
 *
 * An ordered pull consumer on the bucket's stream rather than `kv.watch` (an ordered push
 * consumer with flow control): it reads a large bucket three times as fast, with two thirds of
 * the CPU per entry (100,000 entries: 1.3 s against 4.1 s here).
 */
export class CallbackBucketWatch {
  /** Resolves once the watch has caught up with what the bucket held when it began. */
  readonly ready: Promise<void>;
  /** Resolves if the watch ends without `stop` (the bucket was deleted, say); never after `stop`. */
  readonly ended: Promise<Error>;
  private stopped = false;

  private constructor(
    private readonly messages: ConsumerMessages,
    prefix: string,
    empty: boolean,
    onEntry: (entry: KvEntry) => void,
  ) {
    // An empty bucket has no last entry to wait for; otherwise the snapshot's last entry is the
    // first one with nothing pending behind it.
    let caughtUp = () => undefined as void;
    this.ready = empty ? Promise.resolve() : new Promise<void>((resolve) => (caughtUp = resolve));
    this.ended = (async () => {
      let reason: Error;
      try {
        for await (const msg of messages) {
          const operation = msg.headers?.get(KV_OPERATION);
          onEntry({
            key: msg.subject.slice(prefix.length + 1),
            revision: msg.seq,
            operation: operation === 'DEL' || operation === 'PURGE' ? operation : 'PUT',
            value: msg.data,
          });
          if (msg.info.pending === 0) caughtUp();
        }
        reason = new Error(`the watch of the ${CALLBACKS_BUCKET} bucket ended`);
      } catch (error) {
        reason = new Error(`the watch of the ${CALLBACKS_BUCKET} bucket failed: ${(error as Error).message}`, {
          cause: error,
        });
      }
      return this.stopped ? new Promise<never>(() => undefined) : reason;
    })();
  }

  static start(kv: KV, onEntry: (entry: BucketEntry) => void): Promise<CallbackBucketWatch> {
    return CallbackBucketWatch.follow(kv, (e) => onEntry(toBucketEntry(e)));
  }

  /** The same, with each callback left encoded (see EncodedBucketEntry). */
  static startEncoded(kv: KV, onEntry: (entry: EncodedBucketEntry) => void): Promise<CallbackBucketWatch> {
    return CallbackBucketWatch.follow(kv, (e) => onEntry(toEncodedBucketEntry(e)));
  }

  private static async follow(kv: KV, onEntry: (entry: KvEntry) => void): Promise<CallbackBucketWatch> {
    // Kvm.open hands out a Bucket; its stream and subject prefix are public fields.
    if (!(kv instanceof Bucket)) throw new TypeError(`the ${CALLBACKS_BUCKET} bucket handle is not a nats.js Bucket`);
    const { values } = await kv.status();
    const consumer = await kv.js.consumers.get(kv.stream, {
      filter_subjects: [`${kv.prefix}.>`],
      deliver_policy: DeliverPolicy.LastPerSubject,
    });
    return new CallbackBucketWatch(await consumer.consume({ max_messages: 1_000 }), kv.prefix, values === 0, onEntry);
  }

  stop(): void {
    this.stopped = true;
    this.messages.stop();
  }
}

/** Every key's latest entry, read once (the reconciler's view of the bucket). */
export async function readCallbacksBucket(kv: KV): Promise<Map<string, BucketEntry>> {
  const entries = new Map<string, BucketEntry>();
  const watch = await CallbackBucketWatch.start(kv, (entry) => entries.set(entry.id, entry));
  try {
    await Promise.race([watch.ready, watch.ended.then((error) => Promise.reject(error))]);
  } finally {
    watch.stop();
  }
  return entries;
}
