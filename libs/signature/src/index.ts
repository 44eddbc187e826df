// Signing (the dispatcher)
export { signRequest, type OutgoingRequest, type SignOptions, type SignedHeaders } from './signer';
export { KeyRing, SigningKey, type SigningKeyInit } from './key-ring';
export {
  loadKeyRing,
  keyRingFromJson,
  type KeyRingEntryConfig,
  type KeyRingSources,
  type LoadKeyRingOptions,
  type Environment,
} from './key-ring-config';

// Per-callback secrets and the schemes that use them (SPEC §8a)
export { PlatformKeyRing, type PlatformKeyInit, type Sealed } from './secrets/platform-key-ring';
export {
  loadPlatformKeyRing,
  platformKeyRingFromJson,
  SECRET_KEY_RING_VARIABLE,
  SECRET_KEY_RING_FILE_VARIABLE,
} from './secrets/platform-key-ring-config';
export {
  generateSecret,
  formatHmacSecret,
  ed25519PrivateKey,
  ed25519PublicKey,
  ed25519PublicKeyPem,
  HMAC_SECRET_PREFIX,
  ED25519_PUBLIC_KEY_PREFIX,
  type GeneratedSecret,
  type SecretKind,
} from './secrets/callback-secret';
export {
  signStandardWebhooks,
  type StandardWebhooksKey,
  type StandardWebhooksMessage,
  type StandardWebhooksHeaders,
} from './standard-webhooks/sign';
export {
  signRfc9421,
  contentDigestValue,
  RFC9421_COMPONENTS,
  type Rfc9421Key,
  type Rfc9421Request,
  type Rfc9421Headers,
} from './rfc9421/sign';

// Verifying (receivers)
export { createVerifier, type SignatureScheme, type VerifierOptions } from './create-verifier';
export { createCopernicaVerifier, type CopernicaVerifierOptions } from './verifier';
export { createStandardWebhooksVerifier, type StandardWebhooksVerifierOptions } from './standard-webhooks/verifier';
export { createRfc9421Verifier, type Rfc9421VerifierOptions } from './rfc9421/verifier';
export type { Verifier, IncomingRequest, VerificationResult, RejectionReason } from './verification';
export { createDnsResolver, type TxtResolver, type DnsResolverOptions } from './txt-resolver';
export type { RequestHeaders, HeadersLike, HeaderValue } from './request-headers';
export {
  verifySignatureMiddleware,
  withSignatureVerification,
  type SignatureMiddlewareOptions,
  type SignedIncomingMessage,
  type VerifiedDelivery,
  type MiddlewareRejectionReason,
  type Verdict,
} from './middleware/signature-middleware';
export { fastifySignatureHooks } from './middleware/fastify';
export { rejectionResponse, verifyFetchRequest } from './middleware/fetch';
export { BodyTooLargeError, BodyAlreadyReadError } from './middleware/raw-body';

// The scheme's building blocks, for the key tool, test vectors and other implementations
export { ALGORITHM, SIGNED_HEADERS, REQUIRED_SIGNED_HEADERS, accountHeaderValue } from './scheme';
export { buildSigningString } from './signing-string';
export { digestHeaderValue } from './digest';
export { formatHttpDate, parseHttpDate } from './http-date';
export { formatSignatureHeader } from './signature-header';
export { formatDkimRecord, parseDkimRecord, unreadableByOriginalLibrary, MIN_RSA_BITS } from './dkim-record';
export { keyIdFor, parseKeyId } from './key-id';

export {
  SignatureLibraryError,
  KeyRingConfigError,
  NoValidSigningKeyError,
  SigningInputError,
  KeyLookupError,
  SealedSecretError,
} from './errors';
