// Writes real deliveries for the Python tests to a JSON file: one signed by the dispatcher's signer
// (libs/signature, with a fresh RSA key whose DKIM record goes along) and one Standard Webhooks v1
// delivery signed by the reference package. Run by run-tests.mjs: `node --import tsx make-delivery.ts <out>`.
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { formatDkimRecord, KeyRing, SigningKey, signRequest } from '@callbacks/signature';
import { Webhook } from 'standardwebhooks';

const [out] = process.argv.slice(2);
if (!out) throw new Error('usage: make-delivery.ts <output.json>');

const body = Buffer.from('{"id":"dlv_py1","type":"update","profile":"3456","fields":{"name":"Piët"}}');
const key = new SigningKey({
  selector: 'cb-python',
  domain: 'callbacks.test',
  validFrom: new Date('2000-01-01T00:00:00Z'),
  validUntil: new Date('2100-01-01T00:00:00Z'),
  privateKey: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey,
});
const url = 'https://receiver.test/hooks/copernica?v=1';
const headers = signRequest(
  { url, contentType: 'application/json', body, accountId: '42' },
  { keyRing: new KeyRing([key]) },
);

const secret = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';
const sentAt = new Date();
const webhookHeaders = {
  'webhook-id': 'dlv_py1',
  'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
  'webhook-signature': new Webhook(secret).sign('dlv_py1', sentAt, body),
};

writeFileSync(
  out,
  JSON.stringify({
    bodyBase64: body.toString('base64'),
    copernica: {
      method: 'POST',
      path: '/hooks/copernica?v=1',
      headers,
      keyId: key.keyId,
      txtRecord: formatDkimRecord(key.publicKey),
    },
    standardWebhooks: { secret, headers: webhookHeaders },
  }),
);
