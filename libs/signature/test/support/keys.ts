import { generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import { SigningKey } from '../../src/index';

const generateRsa = promisify(generateKeyPair);

export const DAY_MS = 24 * 60 * 60 * 1000;

/** A fresh RSA signing key with the given window (default: this century, so any test clock fits). */
export async function newSigningKey(options: {
  selector: string;
  domain: string;
  validFrom?: Date;
  validUntil?: Date;
  bits?: number;
}): Promise<SigningKey> {
  const { privateKey } = await generateRsa('rsa', { modulusLength: options.bits ?? 2048 });
  return new SigningKey({
    selector: options.selector,
    domain: options.domain,
    validFrom: options.validFrom ?? new Date('2000-01-01T00:00:00Z'),
    validUntil: options.validUntil ?? new Date('2100-01-01T00:00:00Z'),
    privateKey,
  });
}
