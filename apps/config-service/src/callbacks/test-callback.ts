import { compileCondition, toEvaluationInput } from '@callbacks/conditions';
import { type DeliveryRequest, prepareDeliveryRequest, secretKindOf } from '@callbacks/delivery';
import {
  callbackTarget,
  DEFAULT_DELIVERY_LIMITS,
  InvalidArgumentError,
  requestedDelivery,
  validateProfileEvent,
  Violations,
} from '@callbacks/domain';
import { explain, matchable } from '@callbacks/matching';
import type { ProfileEvent } from '@callbacks/proto/callbacks/events/v1/profile_event';
import type { Callback } from '@callbacks/proto/callbacks/v1/callback';
import type { TestCallbackRequest, TestCallbackResponse } from '@callbacks/proto/callbacks/v1/callback_service';
import {
  type KeyRing,
  NoValidSigningKeyError,
  type PlatformKeyRing,
  SealedSecretError,
  SigningInputError,
} from '@callbacks/signature';
import type { Principal } from '../auth/tokens';
import { newTestDeliveryId } from '../deliveries/delivery-ids';
import { FailedPreconditionError } from '../errors';
import type { CallbackSecrets } from './callback-secrets';
import type { CallbackRepository, Clock, TestSender } from './ports';
import { assertMayAccess, callbackNotFound, requireCallbackId, scopeOf } from './scope';
import { type CallbackLimits, validateCallback } from './validate-callback';

export interface TestCallbackDeps {
  repository: CallbackRepository;
  limits: CallbackLimits;
  /** The ring the dispatchers sign with; undefined when the service has none configured. */
  keyRing: KeyRing | undefined;
  /** Opens saved callbacks' secrets; undefined when the service has none configured. */
  platformKeys: PlatformKeyRing | undefined;
  /** Gives an unsaved callback a throwaway secret, so its request shows the scheme's headers. */
  secrets: CallbackSecrets;
  sender: TestSender;
  clock: Clock;
}

/**
 * "Test this callback" (SPEC §8): whether a saved or unsaved callback matches a sample event and
 * why, the exact request a dispatcher would send (rendered and signed by the same code), and,
 * only when asked and matched, the outcome of sending it once. Nothing is recorded: the request
 * carries a test delivery id and never enters the delivery log.
 */
export class TestCallback {
  constructor(private readonly deps: TestCallbackDeps) {}

  async execute(principal: Principal, request: TestCallbackRequest): Promise<TestCallbackResponse> {
    const { callback, event } = await this.validInput(principal, request);
    const keyRing = this.deps.keyRing;
    if (!keyRing && secretKindOf(callback.signatureScheme) === undefined) {
      throw new FailedPreconditionError(
        'this config service has no signing key, so it cannot show a signed request: set SIGNING_KEY_RING or SIGNING_KEY_RING_FILE as for the dispatchers',
      );
    }
    const compiled = compileCondition(callback.condition);
    if (!compiled.ok) {
      // Validated when it was saved; only a change of the server's limits since makes this happen.
      const problems = compiled.violations.map((v) => `${v.field}: ${v.description}`).join('; ');
      throw new FailedPreconditionError(
        `the callback's condition no longer compiles, so it matches nothing (${problems}); update it`,
      );
    }
    const { matched, reason, rules, expressionResult } = explain(
      matchable(callback, compiled.condition),
      event,
      toEvaluationInput(event),
    );

    const prepared = this.prepare(callback, event);
    const sent = request.send && matched ? await this.deps.sender.send(prepared, this.timeoutOf(callback)) : undefined;
    return {
      matched,
      reason,
      rules,
      expressionResult,
      body: prepared.body.toString('utf8'),
      headers: Object.entries(prepared.headers).map(([name, value]) => ({ name, value })),
      sent,
    };
  }

  /** The callback (saved and in the caller's accounts, or valid as on create) and a valid event; every violation at once. */
  private async validInput(
    principal: Principal,
    request: TestCallbackRequest,
  ): Promise<{ callback: Callback; event: ProfileEvent }> {
    const { target, event } = request;
    const v = Violations.root();
    const unsaved =
      target?.$case === 'callback' ? validateCallback(target.value, this.deps.limits, v.at('callback')) : undefined;
    if (target === undefined)
      v.add('REQUIRED', 'give callback_id (a saved callback) or callback (an unsaved one)', 'callback_id');
    if (event) v.at('event').addAll(validateProfileEvent(event));
    else v.add('REQUIRED', 'is required: the sample event to test with', 'event');
    if (!v.empty || !event || !target) throw new InvalidArgumentError(v.all);

    if (unsaved) {
      assertMayAccess(principal, unsaved.accountId);
      const issued = this.deps.secrets.issue(unsaved.id, unsaved.signatureScheme, this.deps.clock());
      return { callback: { ...unsaved, sealedSecrets: issued ? [issued.sealed] : [] }, event };
    }
    const id = requireCallbackId(target.$case === 'callbackId' ? target.value : '', 'callback_id');
    const saved = await this.deps.repository.findById(id, scopeOf(principal));
    if (!saved) throw callbackNotFound(id);
    return { callback: saved, event };
  }

  private prepare(callback: Callback, event: ProfileEvent): DeliveryRequest {
    const delivery = { deliveryId: newTestDeliveryId(), attempt: 1, callback: callbackTarget(callback), event };
    try {
      return prepareDeliveryRequest(delivery, {
        keyRing: this.deps.keyRing,
        platformKeys: this.deps.platformKeys,
        now: this.deps.clock().getTime(),
      });
    } catch (error) {
      if (
        error instanceof NoValidSigningKeyError ||
        error instanceof SealedSecretError ||
        error instanceof SigningInputError
      )
        throw new FailedPreconditionError(`cannot sign the request: ${error.message}`);
      throw error;
    }
  }

  private timeoutOf(callback: Callback): number {
    // As a dispatcher with the default settings would, within this service's bound.
    return requestedDelivery(callback.deliveryPolicy, {
      ...DEFAULT_DELIVERY_LIMITS,
      maxTimeoutMs: this.deps.limits.maxTimeoutMs,
    }).timeoutMs;
  }
}
