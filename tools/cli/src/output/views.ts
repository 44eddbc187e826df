import { msFromDuration } from '@callbacks/domain';
import { actionToJSON, originToJSON } from '@callbacks/proto/callbacks/events/v1/profile_event';
import {
  type Callback,
  callbackStateToJSON,
  formatToJSON,
  signatureSchemeToJSON,
} from '@callbacks/proto/callbacks/v1/callback';
import type { RevealedSecret, TestCallbackResponse } from '@callbacks/proto/callbacks/v1/callback_service';
import { Condition } from '@callbacks/proto/callbacks/v1/condition';
import { type Attempt, type Delivery, deliveryStateToJSON } from '@callbacks/proto/callbacks/v1/delivery';
import type { Duration } from '@callbacks/proto/google/protobuf/duration';
import { fields, table } from './table';

// How people read the API's messages. Scripts get the proto3 JSON instead (--json).

const time = (date: Date | undefined) => date?.toISOString() ?? '';
const named = (json: string, prefix: string) => json.replace(prefix, '');
const lower = (json: string, prefix: string) => named(json, prefix).toLowerCase();
const labels = (map: Readonly<Record<string, string>>) =>
  Object.entries(map)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');

export function formatDuration(duration: Duration | undefined): string {
  if (!duration) return '';
  const ms = msFromDuration(duration);
  return ms < 1000 ? `${ms}ms` : `${Number((ms / 1000).toFixed(3))}s`;
}

export function callbackState(callback: Callback): string {
  return named(callbackStateToJSON(callback.state), 'CALLBACK_STATE_');
}

export function callbacksTable(callbacks: readonly Callback[]): string {
  return table(
    ['ID', 'ACCOUNT', 'DATABASE', 'COLLECTION', 'STATE', 'URL', 'REVISION', 'LABELS'],
    callbacks.map((c) => [
      c.id,
      c.accountId,
      c.databaseId,
      c.collectionId,
      callbackState(c),
      c.url,
      String(c.revision),
      labels(c.labels),
    ]),
  );
}

export function callbackView(c: Callback): string {
  const policy = c.deliveryPolicy;
  return fields([
    ['id', c.id],
    ['account', c.accountId],
    ['database', c.databaseId],
    ['collection', c.collectionId],
    ['url', c.url],
    ['format', named(formatToJSON(c.format), 'FORMAT_')],
    ['actions', c.actions.map((a) => lower(actionToJSON(a), 'ACTION_')).join(', ') || 'all'],
    ['triggers', c.triggers.map((o) => lower(originToJSON(o), 'ORIGIN_')).join(', ') || 'all'],
    ['api calls fire it', c.disableOnApiCalls ? 'no (rest and soap left out)' : 'yes'],
    ['condition', c.condition ? JSON.stringify(Condition.toJSON(c.condition)) : ''],
    ['state', c.stateReason ? `${callbackState(c)} (${c.stateReason})` : callbackState(c)],
    ['max concurrency', policy?.maxConcurrency ? String(policy.maxConcurrency) : 'server default'],
    ['max rate', policy?.maxRequestsPerSecond ? `${policy.maxRequestsPerSecond}/s` : 'server default'],
    ['timeout', formatDuration(policy?.timeout) || 'server default'],
    ['signature scheme', lower(signatureSchemeToJSON(c.signatureScheme), 'SIGNATURE_SCHEME_').replace(/_/g, '-')],
    [
      'secrets',
      c.secrets.map((s) => (s.expireTime ? `${s.keyId} (signs until ${time(s.expireTime)})` : s.keyId)).join(', '),
    ],
    ['description', c.description],
    ['labels', labels(c.labels)],
    ['revision', String(c.revision)],
    ['created', time(c.createTime)],
    ['updated', time(c.updateTime)],
    ['state changed', time(c.stateChangeTime)],
  ]);
}

const deliveryState = (d: Delivery) => named(deliveryStateToJSON(d.state), 'DELIVERY_STATE_');

/** An attempt's outcome in a few words: `200`, `503 http_status`, `timeout`. */
function outcome(attempt: Attempt | undefined): string {
  if (!attempt) return '';
  return [attempt.statusCode ? String(attempt.statusCode) : '', attempt.errorClass].filter(Boolean).join(' ');
}

export function deliveriesTable(deliveries: readonly Delivery[]): string {
  return table(
    ['ID', 'CALLBACK', 'STATE', 'ATTEMPTS', 'LAST RESULT', 'CREATED', 'NEXT ATTEMPT', 'REPLAY OF'],
    deliveries.map((d) => [
      d.id,
      d.callbackId,
      deliveryState(d),
      String(d.attemptCount),
      outcome(d.lastAttempt),
      time(d.createTime),
      time(d.nextAttemptTime),
      d.replayOf,
    ]),
  );
}

export function deliveryView(d: Delivery): string {
  const head = fields([
    ['id', d.id],
    ['account', d.accountId],
    ['callback', d.callbackId],
    ['event', d.eventId],
    ['state', deliveryState(d)],
    ['attempts', String(d.attemptCount)],
    ['created', time(d.createTime)],
    ['updated', time(d.updateTime)],
    ['next attempt', time(d.nextAttemptTime)],
    ['replay of', d.replayOf],
  ]);
  if (d.attempts.length === 0) return `${head}\n\nNo attempts yet.`;
  return `${head}\n\n${attemptsTable(d.attempts)}`;
}

function attemptsTable(attempts: readonly Attempt[]): string {
  return table(
    ['#', 'STARTED', 'DURATION', 'STATUS', 'ERROR', 'RESPONSE'],
    attempts.map((a) => [
      String(a.number),
      time(a.startTime),
      formatDuration(a.duration),
      a.statusCode ? String(a.statusCode) : '',
      [a.errorClass, a.errorMessage].filter(Boolean).join(': '),
      truncate(a.responseExcerpt, 60),
    ]),
  );
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function testResultView(result: TestCallbackResponse): string {
  const sections = [
    fields([
      ['matched', result.matched ? 'yes' : 'no'],
      ['reason', result.reason],
      ['expression', String(result.expressionResult)],
    ]),
  ];
  if (result.rules.length > 0) {
    sections.push(
      table(
        ['RULE', 'NAME', 'MODE', 'ENABLED', 'HELD', 'FAILED CONDITION'],
        result.rules.map((r) => [
          String(r.index),
          r.name,
          r.excluding ? 'excluding' : 'including',
          r.disabled ? 'no' : 'yes',
          r.held ? 'yes' : 'no',
          r.failedCondition >= 0 ? `#${r.failedCondition}: ${r.failure}` : '',
        ]),
      ),
    );
  }
  sections.push(`Headers:\n${result.headers.map((h) => `  ${h.name}: ${h.value}`).join('\n')}`);
  sections.push(`Body:\n${result.body}`);
  if (result.sent) {
    const sent = result.sent;
    sections.push(`Sent once:\n${attemptsTable([sent])}`);
  }
  return sections.join('\n\n');
}

/** A secret in clear, as create, update, rotate-secret and reveal-secret print it. */
export function secretView(secret: RevealedSecret): string {
  return fields([
    ['key id', secret.keyId],
    ['secret', secret.secret],
    ['public key', secret.publicKey],
    ['public key (PEM)', secret.publicKeyPem.trim()],
    ['created', time(secret.createTime)],
    ['signs until', time(secret.expireTime)],
  ]);
}
