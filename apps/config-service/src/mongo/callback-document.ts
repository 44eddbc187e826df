import { durationFromMs, msFromDuration } from '@callbacks/domain';
import {
  actionFromJSON,
  actionToJSON,
  originFromJSON,
  originToJSON,
} from '@callbacks/proto/callbacks/events/v1/profile_event';
import {
  type Callback,
  callbackStateFromJSON,
  callbackStateToJSON,
  formatFromJSON,
  formatToJSON,
  Ordering,
  orderingFromJSON,
  orderingToJSON,
  type SealedSecret,
  signatureSchemeFromJSON,
  signatureSchemeToJSON,
} from '@callbacks/proto/callbacks/v1/callback';
import { Condition } from '@callbacks/proto/callbacks/v1/condition';

/**
 * How a callback is stored. Enums are stored by name (stable across renumbering), the
 * condition in the proto3 JSON mapping, and labels as `key=value` strings so that a label
 * filter is one indexed `$all` and label keys never become field names.
 */
export interface CallbackDocument {
  _id: string;
  accountId: string;
  databaseId: string;
  collectionId: string;
  url: string;
  format: string;
  /** Missing in documents stored before ordering existed: ORDERING_NONE. */
  ordering?: string;
  actions: string[];
  triggers: string[];
  condition: unknown;
  state: string;
  deliveryPolicy: { maxConcurrency: number; maxRequestsPerSecond: number; timeoutMs: number | null } | null;
  description: string;
  labels: string[];
  revision: number;
  createTime: Date;
  updateTime: Date;
  stateChangeTime: Date | null;
  stateReason: string;
  /** Absent on callbacks stored before schemes existed: the original product's. */
  signatureScheme?: string;
  /** Only ciphertext: sealed with the platform key ring (SPEC §8a). */
  sealedSecrets?: SealedSecretDocument[];
  secretRotateTime?: Date | null;
}

export interface SealedSecretDocument {
  keyId: string;
  platformKeyId: string;
  nonce: Buffer;
  ciphertext: Buffer;
  publicKey: Buffer;
  createTime: Date | null;
  expireTime: Date | null;
}

function toSealedDocument(s: SealedSecret): SealedSecretDocument {
  return {
    keyId: s.keyId,
    platformKeyId: s.platformKeyId,
    nonce: Buffer.from(s.nonce),
    ciphertext: Buffer.from(s.ciphertext),
    publicKey: Buffer.from(s.publicKey),
    createTime: s.createTime ?? null,
    expireTime: s.expireTime ?? null,
  };
}

/** The driver reads BinData back as its Binary type: copied out into plain bytes. */
function bytes(value: unknown): Buffer {
  if (Buffer.isBuffer(value)) return value;
  const binary = value as { buffer?: Uint8Array; value?: () => Uint8Array };
  return Buffer.from(binary.buffer ?? new Uint8Array());
}

function fromSealedDocument(d: SealedSecretDocument): SealedSecret {
  return {
    keyId: d.keyId,
    platformKeyId: d.platformKeyId,
    nonce: bytes(d.nonce),
    ciphertext: bytes(d.ciphertext),
    publicKey: bytes(d.publicKey),
    createTime: d.createTime ?? undefined,
    expireTime: d.expireTime ?? undefined,
  };
}

export function labelPairs(labels: Readonly<Record<string, string>>): string[] {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .sort();
}

export function toDocument(c: Callback): CallbackDocument {
  const timeout = c.deliveryPolicy?.timeout;
  return {
    _id: c.id,
    accountId: c.accountId,
    databaseId: c.databaseId,
    collectionId: c.collectionId,
    url: c.url,
    format: formatToJSON(c.format),
    ordering: orderingToJSON(c.ordering),
    actions: c.actions.map(actionToJSON),
    triggers: c.triggers.map(originToJSON),
    condition: c.condition ? Condition.toJSON(c.condition) : null,
    state: callbackStateToJSON(c.state),
    deliveryPolicy: c.deliveryPolicy
      ? {
          maxConcurrency: c.deliveryPolicy.maxConcurrency,
          maxRequestsPerSecond: c.deliveryPolicy.maxRequestsPerSecond,
          timeoutMs: timeout ? msFromDuration(timeout) : null,
        }
      : null,
    description: c.description,
    labels: labelPairs(c.labels),
    revision: c.revision,
    createTime: c.createTime ?? new Date(0),
    updateTime: c.updateTime ?? new Date(0),
    stateChangeTime: c.stateChangeTime ?? null,
    stateReason: c.stateReason,
    signatureScheme: signatureSchemeToJSON(c.signatureScheme),
    sealedSecrets: c.sealedSecrets.map(toSealedDocument),
    secretRotateTime: c.secretRotateTime ?? null,
  };
}

export function fromDocument(d: CallbackDocument): Callback {
  const triggers = d.triggers.map(originFromJSON);
  const policy = d.deliveryPolicy;
  return {
    id: d._id,
    accountId: d.accountId,
    databaseId: d.databaseId,
    collectionId: d.collectionId,
    url: d.url,
    format: formatFromJSON(d.format),
    ordering: d.ordering === undefined ? Ordering.NONE : orderingFromJSON(d.ordering),
    actions: d.actions.map(actionFromJSON),
    triggers,
    disableOnApiCalls: false,
    condition: d.condition ? Condition.fromJSON(d.condition) : undefined,
    state: callbackStateFromJSON(d.state),
    deliveryPolicy: policy
      ? {
          maxConcurrency: policy.maxConcurrency,
          maxRequestsPerSecond: policy.maxRequestsPerSecond,
          timeout: policy.timeoutMs === null ? undefined : durationFromMs(policy.timeoutMs),
        }
      : undefined,
    description: d.description,
    labels: Object.fromEntries(
      d.labels.map((pair) => {
        const at = pair.indexOf('=');
        return [pair.slice(0, at), pair.slice(at + 1)];
      }),
    ),
    revision: d.revision,
    createTime: d.createTime,
    updateTime: d.updateTime,
    stateChangeTime: d.stateChangeTime ?? undefined,
    stateReason: d.stateReason,
    signatureScheme: signatureSchemeFromJSON(d.signatureScheme ?? 'SIGNATURE_SCHEME_COPERNICA'),
    secrets: [],
    sealedSecrets: (d.sealedSecrets ?? []).map(fromSealedDocument),
    secretRotateTime: d.secretRotateTime ?? undefined,
  };
}
