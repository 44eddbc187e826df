/**
 * Errors the signature library throws. Verification failures are not errors: `verify` returns a
 * result naming the failed check. These are for misuse and misconfiguration on the signing side
 * and for DNS trouble that no check can decide. Messages name selectors, files and variables,
 * never key material.
 */
export abstract class SignatureLibraryError extends Error {
  abstract override readonly name: string;
}

/** The key ring configuration is unusable: bad JSON, a bad entry, an unreadable or invalid key. */
export class KeyRingConfigError extends SignatureLibraryError {
  override readonly name = 'KeyRingConfigError';
}

/** No key in the ring is valid at the requested moment; the signer cannot sign. */
export class NoValidSigningKeyError extends SignatureLibraryError {
  override readonly name = 'NoValidSigningKeyError';
  constructor(readonly at: Date) {
    super(`no signing key in the key ring is valid at ${at.toISOString()}: add a key whose window covers it`);
  }
}

/** The request to sign cannot be signed as given (a header value with a line break, a bad id). */
export class SigningInputError extends SignatureLibraryError {
  override readonly name = 'SigningInputError';
}

/** A sealed per-callback secret cannot be opened: its platform key is not in the ring, or it was altered. */
export class SealedSecretError extends SignatureLibraryError {
  override readonly name = 'SealedSecretError';
}

/** A DNS lookup for a public key failed for a reason other than "no such record" (timeout, SERVFAIL). */
export class KeyLookupError extends SignatureLibraryError {
  override readonly name = 'KeyLookupError';
  constructor(
    readonly keyId: string,
    options: { cause: unknown },
  ) {
    super(`DNS lookup of the public key ${JSON.stringify(keyId)} failed: ${describe(options.cause)}`, options);
  }
}

function describe(cause: unknown): string {
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return typeof code === 'string' ? `${code} (${cause.message})` : cause.message;
  }
  return String(cause);
}
