import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { Metadata, credentials, status, type ServiceError } from '@grpc/grpc-js';
import { startInfrastructure } from '@callbacks/infra';
import { ProfileEventPublisher, connectNats } from '@callbacks/messaging';
import { Action, Origin, type ProfileEvent } from '@callbacks/proto/callbacks/events/v1/profile_event';
import { CallbackState, Format, type Callback } from '@callbacks/proto/callbacks/v1/callback';
import { CallbackServiceClient, type CreateCallbackResponse } from '@callbacks/proto/callbacks/v1/callback_service';
import { FieldComparison, RuleMode } from '@callbacks/proto/callbacks/v1/condition';
import { formatDkimRecord, keyIdFor } from '@callbacks/signature';
import { TestDnsServer, fieldCondition } from '@callbacks/testing';
import { startDemoReceiver } from './receiver';
import { runService, type ServiceProcess } from './services';

const say = (line: string) => console.log(`demo: ${line}`);
const SIGNING_DOMAIN = 'callbacks.localhost';
const SELECTOR = 'demo';
const ACCOUNT = '42';

/**
 * The whole system on this machine, without Docker: nats-server (JetStream) and a MongoDB-wire
 * server, the config service, a matcher and a dispatcher as processes, a DNS server publishing
 * the signing key, and a receiver that verifies every webhook. Creates a callback, publishes a
 * few profile events, and shows the signed webhooks arriving. Ctrl-C stops everything.
 */
async function main(): Promise<void> {
  say('starting nats-server (JetStream) and the MongoDB-wire server (installed on first run, which takes a minute)...');
  const infra = await startInfrastructure();
  say(`NATS ${infra.nats.url}   MongoDB-wire ${infra.mongo.url}`);

  // The signing key, published in DNS as a DKIM-style TXT record, as a deployment would.
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const dns = await TestDnsServer.start();
  dns.publish(keyIdFor(SELECTOR, SIGNING_DOMAIN), formatDkimRecord(publicKey));
  const keyRing = JSON.stringify({
    keys: [
      {
        selector: SELECTOR,
        domain: SIGNING_DOMAIN,
        validFrom: new Date(Date.now() - 60_000).toISOString(),
        validUntil: new Date(Date.now() + 30 * 86_400_000).toISOString(),
        privateKeyEnv: 'DEMO_SIGNING_KEY',
      },
    ],
  });
  say(`signing key ${keyIdFor(SELECTOR, SIGNING_DOMAIN)} published on the demo DNS server ${dns.address}`);

  let received = 0;
  const receiver = await startDemoReceiver({
    port: Number(process.env.DEMO_RECEIVER_PORT ?? 0),
    accountId: ACCOUNT,
    allowedDomains: [SIGNING_DOMAIN],
    dnsServers: [dns.address],
    onWebhook: (webhook) => {
      if (!webhook.verified) return console.log(`receiver: ✗ REJECTED ${webhook.deliveryId}: ${webhook.reason}`);
      received++; // verified ones only: the demo's success line says so
      const body = JSON.parse(webhook.body) as { type: string; profile: string; fields: Record<string, string>; parameters: Record<string, string> };
      console.log(
        `receiver: ✓ signature verified — ${body.type} of profile ${body.profile}, fields ${JSON.stringify(body.fields)}, changed ${JSON.stringify(body.parameters)} (delivery ${webhook.deliveryId})`,
      );
    },
  });
  say(`receiver listening on http://127.0.0.1:${receiver.port}/hook (verifies every signature through DNS)`);

  const token = `demo-${randomBytes(12).toString('hex')}`;
  const grpcAddr = process.env.DEMO_GRPC_ADDR ?? '127.0.0.1:50051';
  const common = { NATS_URL: infra.nats.url, LOG_LEVEL: 'info' };
  const print = (line: string) => console.log(line);
  const services: ServiceProcess[] = [
    runService(
      'config-service',
      {
        ...common,
        CONFIG_GRPC_ADDR: grpcAddr,
        MONGO_URL: infra.mongo.url,
        CONFIG_TOKENS: JSON.stringify([{ name: 'demo', sha256: createHash('sha256').update(token).digest('hex'), accounts: '*' }]),
        CONFIG_ALLOW_HTTP_URLS: 'true',
        CONFIG_ALLOW_CIDRS: '127.0.0.1/32',
        SIGNING_KEY_RING: keyRing,
        DEMO_SIGNING_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      },
      print,
    ),
  ];

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    say('stopping...');
    await Promise.all(services.map((s) => s.stop()));
    await receiver.close();
    await dns.close();
    await infra.close();
    say('stopped');
    process.exit(0);
  };
  // `on`, not `once`: a second Ctrl-C while stopping must not kill the demo halfway (servers left
  // running). The npm script runs `node --import tsx`, not the tsx wrapper, which would relay each
  // Ctrl-C a second time.
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());

  const client = new CallbackServiceClient(grpcAddr, credentials.createInsecure());
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  const callback = await createWhenReady(client, metadata, demoCallback(`http://127.0.0.1:${receiver.port}/hook`));
  say(`created callback ${callback.id}: updates of profiles named "piet" in database 7, not from API calls, as JSON`);

  const serviceEnv = { ...common, DEMO_SIGNING_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
  services.push(
    runService(
      'matcher',
      { ...serviceEnv, MATCHER_CONFIG_SERVICE_ADDR: grpcAddr, MATCHER_CONFIG_SERVICE_TOKEN: token },
      print,
    ),
    runService(
      'dispatcher',
      {
        ...serviceEnv,
        DISPATCHER_CONFIG_SERVICE_ADDR: grpcAddr,
        DISPATCHER_CONFIG_SERVICE_TOKEN: token,
        DISPATCHER_ALLOW_CIDRS: '127.0.0.1/32',
        SIGNING_KEY_RING: keyRing,
      },
      print,
    ),
  );
  await Promise.all(services.slice(1).map((s) => s.ready(/consuming/)));

  const nc = await connectNats({ servers: [infra.nats.url], name: 'demo' });
  const publisher = new ProfileEventPublisher(nc);
  const events: [string, ProfileEvent][] = [
    ['piet moves to Amsterdam (web UI): fires', event({ name: 'piet', city: 'Amsterdam' }, { city: 'Utrecht' }, Origin.PUBLISHER)],
    ['klaas moves (web UI): no match, name is not piet', event({ name: 'klaas', city: 'Delft' }, { city: 'Leiden' }, Origin.PUBLISHER)],
    ['piet changes through the REST API: no match, API calls disabled', event({ name: 'piet', city: 'Haarlem' }, { city: 'Amsterdam' }, Origin.REST)],
    ['piet opens a mail: fires', event({ name: 'piet', city: 'Haarlem' }, {}, Origin.OPEN)],
  ];
  for (const [what, e] of events) {
    await publisher.publish(e);
    say(`published event ${e.eventId}: ${what}`);
  }
  const deadline = Date.now() + 30_000;
  while (received < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  say(received >= 2 ? 'both expected webhooks arrived, signed and verified.' : `only ${received} of 2 webhooks arrived verified within 30 s; see the lines above`);
  await nc.close();

  say('the system keeps running; try:');
  say(`  npm run cli -- callbacks list --addr ${grpcAddr} --token ${token}`);
  say(`  npm run cli -- deliveries list --callback ${callback.id} --addr ${grpcAddr} --token ${token}`);
  say(`  grpcurl -plaintext ${grpcAddr} list        (grpcurl: npm run infra -- install --tools)`);
  say(`  nats --server ${infra.nats.url} pub callbacks.events.v1.${ACCOUNT}.7.profile.update -H 'Content-Type: application/json' '{"eventId":"my-1","accountId":"${ACCOUNT}","databaseId":"7","profileId":"9","action":"ACTION_UPDATE","origin":"ORIGIN_PUBLISHER","occurredAt":"${new Date().toISOString()}","fields":{"name":"piet"}}'`);
  say('Ctrl-C stops everything.');
}

let sequence = 0;

function event(fields: Record<string, string>, previousFields: Record<string, string>, origin: Origin): ProfileEvent {
  sequence++;
  const now = new Date();
  return {
    eventId: `demo-${Date.now()}-${sequence}`,
    accountId: ACCOUNT,
    databaseId: '7',
    collectionId: '',
    profileId: String(1000 + sequence),
    subprofileId: '',
    action: Action.UPDATE,
    origin,
    occurredAt: now,
    fields,
    previousFields,
    interests: [{ name: 'newsletter', group: '' }],
    previousInterests: [{ name: 'newsletter', group: '' }],
    createdAt: new Date('2024-01-15T09:00:00Z'),
    modifiedAt: now,
  };
}

function demoCallback(url: string): Callback {
  return {
    id: '',
    accountId: ACCOUNT,
    databaseId: '7',
    collectionId: '',
    url,
    format: Format.JSON,
    actions: [Action.UPDATE],
    triggers: [],
    disableOnApiCalls: true,
    condition: { rules: [{ name: 'only piet', mode: RuleMode.INCLUDE, disabled: false, conditions: [fieldCondition('name', FieldComparison.EQUALS, 'piet')] }], expression: '' },
    state: CallbackState.ACTIVE,
    deliveryPolicy: undefined,
    description: 'demo: updates of profiles named piet, not from API calls',
    labels: { demo: 'true' },
    revision: 0,
    createTime: undefined,
    updateTime: undefined,
    stateChangeTime: undefined,
    stateReason: '',
  };
}

/** Creates the callback, retrying while the config service is still starting. */
async function createWhenReady(client: CallbackServiceClient, metadata: Metadata, callback: Callback): Promise<Callback> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const response = await new Promise<CreateCallbackResponse>((resolve, reject) =>
        client.createCallback({ callback }, metadata, { deadline: new Date(Date.now() + 5_000) }, (error, res) =>
          error ? reject(error) : resolve(res),
        ),
      );
      if (!response.callback) throw new Error('CreateCallback answered without a callback');
      return response.callback;
    } catch (error) {
      const code = (error as ServiceError).code;
      const retryable = code === status.UNAVAILABLE || code === status.DEADLINE_EXCEEDED;
      if (!retryable || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

main().catch((error: unknown) => {
  console.error('demo: failed:', error);
  process.exit(1);
});
