import type { IncomingRequest, SignedHeaders } from '../../src/index';

/** The request a receiver sees for a signed delivery: the signer's headers, body and target. */
export function receivedRequest(url: string, headers: SignedHeaders, body: Buffer): IncomingRequest {
  const target = new URL(url);
  return { method: 'POST', path: target.pathname + target.search, headers: { ...headers }, body };
}

/** The value of one parameter of a Signature header, changed. */
export function withSignatureParam(signature: string, name: string, value: string): string {
  return signature.replace(new RegExp(`${name}="[^"]*"`), `${name}="${value}"`);
}
