import { InvalidArgumentError, RevisionConflictError, type Violation, Violations } from '@callbacks/domain';
import type { Callback, DeliveryPolicy } from '@callbacks/proto/callbacks/v1/callback';
import type { UpdateCallbackRequest, UpdateCallbackResponse } from '@callbacks/proto/callbacks/v1/callback_service';
import type { Principal } from '../auth/tokens';
import { apiView, liveSecrets } from './callback-secrets';
import type { CallbackDeps } from './create-callback';
import { callbackNotFound, requireCallbackId, scopeOf } from './scope';
import { API_ORIGINS, validateCallback } from './validate-callback';

/** Mask paths a caller may update, and how each copies from the request onto the stored callback. */
const MUTABLE: Record<string, (target: Callback, source: Callback) => void> = {
  url: (t, s) => (t.url = s.url),
  format: (t, s) => (t.format = s.format),
  ordering: (t, s) => (t.ordering = s.ordering),
  actions: (t, s) => (t.actions = s.actions),
  triggers: (t, s) => (t.triggers = s.triggers),
  disable_on_api_calls: (t, s) => (t.disableOnApiCalls = s.disableOnApiCalls),
  condition: (t, s) => (t.condition = s.condition),
  state: (t, s) => (t.state = s.state),
  state_reason: (t, s) => (t.stateReason = s.stateReason),
  delivery_policy: (t, s) => (t.deliveryPolicy = s.deliveryPolicy),
  'delivery_policy.max_concurrency': (t, s) => (policyOf(t).maxConcurrency = s.deliveryPolicy?.maxConcurrency ?? 0),
  'delivery_policy.max_requests_per_second': (t, s) =>
    (policyOf(t).maxRequestsPerSecond = s.deliveryPolicy?.maxRequestsPerSecond ?? 0),
  'delivery_policy.timeout': (t, s) => (policyOf(t).timeout = s.deliveryPolicy?.timeout),
  description: (t, s) => (t.description = s.description),
  labels: (t, s) => (t.labels = s.labels),
  signature_scheme: (t, s) => (t.signatureScheme = s.signatureScheme),
};

const IMMUTABLE = new Set([
  'id',
  'account_id',
  'database_id',
  'collection_id',
  'revision',
  'create_time',
  'update_time',
  'state_change_time',
]);

/** Set by the service alone: secrets change by switching the scheme or by RotateCallbackSecret. */
const OUTPUT_ONLY = new Set(['secrets', 'secret_rotate_time', 'sealed_secrets']);

function policyOf(callback: Callback): DeliveryPolicy {
  callback.deliveryPolicy ??= { maxConcurrency: 0, maxRequestsPerSecond: 0, timeout: undefined };
  return callback.deliveryPolicy;
}

export class UpdateCallback {
  constructor(private readonly deps: CallbackDeps) {}

  async execute(principal: Principal, request: UpdateCallbackRequest): Promise<UpdateCallbackResponse> {
    const input = request.callback;
    if (!input) throw new InvalidArgumentError([{ field: 'callback', reason: 'REQUIRED', description: 'is required' }]);
    const id = requireCallbackId(input.id, 'callback.id');
    const paths = maskPaths(request.updateMask ?? []);

    const current = await this.deps.repository.findById(id, scopeOf(principal));
    if (!current) throw callbackNotFound(id);
    if (request.expectedRevision !== 0 && request.expectedRevision !== current.revision) {
      throw new RevisionConflictError('callback', id, request.expectedRevision, current.revision);
    }

    const next: Callback = structuredClone(current);
    for (const path of paths) MUTABLE[path]?.(next, input);
    applyApiCallSwitch(next, apiCallSwitch(request.updateMask ?? [], input.disableOnApiCalls));
    const v = Violations.root('callback');
    const normalized = validateCallback(next, this.deps.limits, v);
    const refused = v.all.filter(concerning(paths));
    if (refused.length > 0) throw new InvalidArgumentError(refused);

    const now = this.deps.clock();
    const stateChanged = normalized.state !== current.state;
    // A new scheme needs a secret of its kind: the old ones stop signing at once.
    const schemeChanged = normalized.signatureScheme !== current.signatureScheme;
    const issued = schemeChanged ? this.deps.secrets.issue(id, normalized.signatureScheme, now) : undefined;
    const updated: Callback = {
      ...normalized,
      sealedSecrets: schemeChanged ? (issued ? [issued.sealed] : []) : liveSecrets(current.sealedSecrets, now),
      secretRotateTime: schemeChanged ? (issued ? now : undefined) : current.secretRotateTime,
      revision: current.revision + 1,
      updateTime: now,
      stateChangeTime: stateChanged ? now : current.stateChangeTime,
      stateReason: stateChanged && !paths.includes('state_reason') ? '' : normalized.stateReason,
    };
    if (!(await this.deps.repository.replace(updated, current.revision))) {
      // Changed between our read and our write: the caller must read again.
      const latest = await this.deps.repository.findById(id, scopeOf(principal));
      if (!latest) throw callbackNotFound(id);
      throw new RevisionConflictError('callback', id, current.revision, latest.revision);
    }
    await this.deps.publisher.upserted(updated);
    return { callback: apiView(updated), secret: issued?.revealed };
  }
}

/**
 * What "disable on API calls" asks of this update. Named in the mask, true removes REST and SOAP
 * from the triggers (in validateCallback) and false puts them back. Under `*` (a replacement of
 * every field) the triggers are as given, and the switch can only remove: a replacement that
 * leaves the field at its default false must not add REST and SOAP to the triggers it names.
 * Otherwise it does nothing, so an update of `triggers` alone can add REST.
 */
function apiCallSwitch(mask: readonly string[], disable: boolean): boolean | undefined {
  if (mask.includes('disable_on_api_calls')) return disable;
  return mask.includes('*') && disable ? true : undefined;
}

function applyApiCallSwitch(next: Callback, requested: boolean | undefined): void {
  next.disableOnApiCalls = requested === true;
  if (requested === false && next.triggers.length > 0) next.triggers = [...next.triggers, ...API_ORIGINS];
}

/**
 * Which violations refuse an update: those of the fields it changes. A callback saved under
 * looser limits than today's (plain http allowed then, a higher concurrency bound) must still be
 * disabled, relabelled or have its URL fixed; refusing that would only keep it as it is.
 */
function concerning(paths: readonly string[]): (violation: Violation) => boolean {
  // "Disable on API calls" changes the triggers.
  const fields = paths
    .flatMap((path) => (path === 'disable_on_api_calls' ? [path, 'triggers'] : [path]))
    .map((path) => `callback.${path}`);
  return ({ field }) => fields.some((f) => field === f || field.startsWith(`${f}.`) || field.startsWith(`${f}[`));
}

/** Validates the mask; `*` means every mutable field. */
function maskPaths(raw: readonly string[]): string[] {
  const v = Violations.root('update_mask.paths');
  if (raw.length === 0) v.add('REQUIRED', 'name at least one field to update (or "*" for all)');
  const paths: string[] = [];
  raw.forEach((path, i) => {
    if (path === '*') paths.push(...Object.keys(MUTABLE).filter((p) => !p.includes('.')));
    else if (IMMUTABLE.has(path))
      v.add('IMMUTABLE_FIELD', `${path} cannot be changed; create a new callback instead`, i);
    else if (OUTPUT_ONLY.has(path))
      v.add(
        'OUTPUT_ONLY_FIELD',
        `${path} is set by the service: switch signature_scheme or call RotateCallbackSecret`,
        i,
      );
    else if (!(path in MUTABLE))
      v.add('UNKNOWN_FIELD', `${JSON.stringify(path)} is not an updatable Callback field`, i);
    else paths.push(path);
  });
  if (!v.empty) throw new InvalidArgumentError(v.all);
  return paths;
}
