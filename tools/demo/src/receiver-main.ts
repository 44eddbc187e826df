/**
 * The demo receiver on its own (docker compose): verifies every webhook and prints it.
 *
 *   RECEIVER_PORT=8080 RECEIVER_ACCOUNT=42 RECEIVER_ALLOWED_DOMAINS=callbacks.example.com \
 *   [RECEIVER_DNS_SERVERS=10.0.0.2:53] [RECEIVER_DKIM_RECORD_FILE=keys/demo.txt] node receiver-main
 *
 * Keys come from DNS (`<selector>._domainkey.<domain>` TXT). Without a DNS zone (a laptop, docker
 * compose), RECEIVER_DKIM_RECORD_FILE holds the record that would be published: the file the key
 * tool writes next to the private key (`<name> TXT "v=DKIM1;k=rsa;p=..."`).
 */
import { readFileSync } from 'node:fs';
import { integer, list, loadSettings, string } from '@callbacks/config';
import { startDemoReceiver } from './receiver';

const settings = loadSettings(process.env, {
  port: integer('RECEIVER_PORT', { default: 8080, min: 0, max: 65_535 }),
  host: string('RECEIVER_HOST', { default: '127.0.0.1' }),
  account: string('RECEIVER_ACCOUNT', { pattern: /^[A-Za-z0-9_-]{1,64}$/ }),
  allowedDomains: list('RECEIVER_ALLOWED_DOMAINS', (s) => s),
  dnsServers: list('RECEIVER_DNS_SERVERS', (s) => s, { default: [] }),
  dkimRecordFile: string('RECEIVER_DKIM_RECORD_FILE', { default: '' }),
});

/** Reads `name TXT "v=DKIM1;..."` lines (the key tool's zone-file output) into a resolver. */
function staticResolver(file: string) {
  const records = new Map<string, string>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^\s*(\S+?)\.?\s+(?:\d+\s+)?(?:IN\s+)?TXT\s+(.+)$/i.exec(line);
    const [, name = '', strings = ''] = match ?? [];
    if (match) records.set(name.toLowerCase(), [...strings.matchAll(/"([^"]*)"/g)].map((m) => m[1]).join(''));
  }
  return {
    async resolveTxt(name: string): Promise<string[][]> {
      const record = records.get(name.toLowerCase().replace(/\.$/, ''));
      if (!record) throw Object.assign(new Error(`no TXT record for ${name}`), { code: 'ENOTFOUND' });
      return [[record]];
    },
  };
}

const receiver = await startDemoReceiver({
  port: settings.port,
  host: settings.host,
  accountId: settings.account,
  allowedDomains: settings.allowedDomains,
  dnsServers: settings.dnsServers,
  ...(settings.dkimRecordFile ? { resolver: staticResolver(settings.dkimRecordFile) } : {}),
  onWebhook: (w) =>
    console.log(
      JSON.stringify(
        w.verified
          ? { verified: true, delivery: w.deliveryId, body: w.body }
          : { verified: false, delivery: w.deliveryId, reason: w.reason },
      ),
    ),
});
console.log(JSON.stringify({ listening: receiver.port }));
process.on('SIGTERM', () => void receiver.close().then(() => process.exit(0)));
process.on('SIGINT', () => void receiver.close().then(() => process.exit(0)));
