import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDnsResolver, createVerifier, type TxtResolver } from '@callbacks/signature';

export interface ReceivedWebhook {
  deliveryId: string;
  verified: boolean;
  /** Why the signature check failed, when it did. */
  reason?: string;
  body: string;
}

export interface DemoReceiver {
  port: number;
  close(): Promise<void>;
}

const MAX_BODY = 1 << 20;

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) req.destroy(new Error('body too large'));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * A customer's server as the product page describes it: receives webhooks and verifies each one
 * with the signature library (the key fetched by DNS), answering 401 with the reason when a
 * signature does not hold. `onWebhook` sees every request, verified or not.
 */
export async function startDemoReceiver(options: {
  port: number;
  /** Listen address: loopback by default; `0.0.0.0` in a container, where the dispatcher is another host. */
  host?: string;
  accountId: string;
  allowedDomains: string[];
  dnsServers?: string[];
  /** Instead of DNS (docker compose without a zone): where the keys' TXT records come from. */
  resolver?: TxtResolver;
  onWebhook: (webhook: ReceivedWebhook) => void;
}): Promise<DemoReceiver> {
  const verifier = createVerifier({
    accountId: options.accountId,
    allowedDomains: options.allowedDomains,
    resolver: options.resolver ?? createDnsResolver(options.dnsServers?.length ? { servers: options.dnsServers } : {}),
  });
  const server: Server = createServer((req, res) => {
    readBody(req)
      .then(async (body) => {
        const verdict = await verifier.verify({
          method: req.method ?? 'POST',
          path: req.url ?? '/',
          headers: req.headers,
          body,
        });
        const deliveryId = String(req.headers['idempotency-key'] ?? '');
        if (verdict.ok) {
          options.onWebhook({ deliveryId, verified: true, body: body.toString('utf8') });
          res.writeHead(200, { 'content-type': 'text/plain' }).end('thanks');
        } else {
          options.onWebhook({
            deliveryId,
            verified: false,
            reason: `${verdict.reason}: ${verdict.message}`,
            body: body.toString('utf8'),
          });
          res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ reason: verdict.reason }));
        }
      })
      .catch((error: unknown) => {
        res.writeHead(400).end();
        options.onWebhook({ deliveryId: '', verified: false, reason: String(error), body: '' });
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
