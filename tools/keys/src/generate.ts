import { generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import { formatDkimRecord, type KeyRingEntryConfig, SigningKey } from '@callbacks/signature';
import type { GenerateOptions } from './args';

const generateRsa = promisify(generateKeyPair);

/** What one `generate` produces: the secret to store and the public parts to publish and configure. */
export interface GeneratedKey {
  readonly keyId: string;
  readonly privateKeyPem: string;
  /** The TXT record's value, `v=DKIM1;k=rsa;p=…`. */
  readonly txtRecord: string;
  /** The record as a zone-file line, split into ≤255-byte strings as TXT records require. */
  readonly zoneFileLine: string;
  readonly ringEntry: (privateKeyFile: string) => KeyRingEntryConfig;
}

export async function generateSigningKey(options: Omit<GenerateOptions, 'outDir'>): Promise<GeneratedKey> {
  const { privateKey } = await generateRsa('rsa', { modulusLength: options.bits });
  // The library's own key type checks the key and derives the keyId and the public key.
  const key = new SigningKey({ ...options, privateKey });
  const txtRecord = formatDkimRecord(key.publicKey);
  const strings = (txtRecord.match(/.{1,255}/g) ?? []).map((chunk) => `"${chunk}"`).join(' ');
  return {
    keyId: key.keyId,
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    txtRecord,
    zoneFileLine: `${key.keyId}. 3600 IN TXT ( ${strings} )`,
    ringEntry: (privateKeyFile) => ({
      selector: key.selector,
      domain: key.domain,
      validFrom: key.validFrom.toISOString(),
      validUntil: key.validUntil.toISOString(),
      privateKeyFile,
    }),
  };
}
