import { createRfc9421Verifier, type Rfc9421VerifierOptions } from './rfc9421/verifier';
import { createStandardWebhooksVerifier, type StandardWebhooksVerifierOptions } from './standard-webhooks/verifier';
import type { Verifier } from './verification';
import { type CopernicaVerifierOptions, createCopernicaVerifier } from './verifier';

export type SignatureScheme = 'copernica' | 'standard-webhooks' | 'rfc9421';

/** The options of one scheme; without `scheme` they are the original product's (SPEC §7.2). */
export type VerifierOptions =
  | (CopernicaVerifierOptions & { readonly scheme?: 'copernica' })
  | (StandardWebhooksVerifierOptions & { readonly scheme: 'standard-webhooks' })
  | (Rfc9421VerifierOptions & { readonly scheme: 'rfc9421' });

/**
 * One entry for receivers of every scheme a callback can use (SPEC §8a): the verifier returned
 * answers `{ ok: true, keyId }` or `{ ok: false, reason, message }` with the same reason codes
 * whatever the scheme, so the middleware and a receiver's handling do not depend on it.
 */
export function createVerifier(options: VerifierOptions): Verifier {
  switch (options.scheme) {
    case undefined:
    case 'copernica':
      return createCopernicaVerifier(options);
    case 'standard-webhooks':
      return createStandardWebhooksVerifier(options);
    case 'rfc9421':
      return createRfc9421Verifier(options);
    default:
      throw new TypeError(
        `createVerifier: unknown scheme ${JSON.stringify((options as { scheme: unknown }).scheme)} (copernica, standard-webhooks, rfc9421)`,
      );
  }
}
