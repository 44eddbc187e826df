import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { startInfrastructure } from '@callbacks/infra';
import { Action, Origin, type ProfileEvent } from '@callbacks/proto/callbacks/events/v1/profile_event';
import {
  type Callback,
  CallbackState,
  Format,
  Ordering,
  SignatureScheme,
} from '@callbacks/proto/callbacks/v1/callback';
import { FieldComparison, RuleMode } from '@callbacks/proto/callbacks/v1/condition';
import { keyIdFor } from '@callbacks/signature';
import { CONSOLE_BUILD_DIR, SIGNING_DOMAIN, System } from '@callbacks/system';
import { fieldCondition } from '@callbacks/testing';
import { type DemoReceiver, startDemoReceiver } from './receiver';

const say = (line: string) => console.log(`demo: ${line}`);
const SELECTOR = 'demo';
const ACCOUNT = '42';
const CONSOLE_VITE_CONFIG = fileURLToPath(new URL('../../../apps/console/vite.config.ts', import.meta.url));

/**
 * The whole system on this machine, without Docker: nats-server (JetStream) and a MongoDB-wire
 * server, the config service, a matcher and a dispatcher as processes, a DNS server publishing
 * the signing key, and a receiver that verifies every webhook. Creates a callback, publishes a
 * few profile events, and shows the signed webhooks arriving. Ctrl-C stops everything.
 */
async function main(): Promise<void> {
  if (!existsSync(`${CONSOLE_BUILD_DIR}/index.html`)) {
    say('building the web console (once; npm run build does it too)...');
    await build({ configFile: CONSOLE_VITE_CONFIG, logLevel: 'warn' });
  }
  say('starting nats-server (JetStream) and the MongoDB-wire server (installed on first run, which takes a minute)...');
  const infrastructure = await startInfrastructure();
  say(`NATS ${infrastructure.nats.url}   MongoDB-wire ${infrastructure.mongo.url}`);

  let received = 0;
  let receiver: DemoReceiver | undefined;
  let callback: Callback | undefined;
  const system = await System.start({
    infrastructure,
    selector: SELECTOR,
    grpcAddress: process.env.DEMO_GRPC_ADDR ?? '127.0.0.1:50051',
    httpAddress: process.env.DEMO_HTTP_ADDR ?? '127.0.0.1:8080',
    log: say,
    onServiceOutput: (app, line) => console.log(`[${app}] ${summarise(line)}`),
    // The callback exists before the matcher starts, so its first snapshot has it.
    prepare: async (started) => {
      say(`signing key ${keyIdFor(SELECTOR, SIGNING_DOMAIN)} published on the demo DNS server ${started.dns.address}`);
      receiver = await startDemoReceiver({
        port: Number(process.env.DEMO_RECEIVER_PORT ?? 0),
        accountId: ACCOUNT,
        allowedDomains: [SIGNING_DOMAIN],
        dnsServers: [started.dns.address],
        onWebhook: (webhook) => {
          if (!webhook.verified) return console.log(`receiver: ✗ REJECTED ${webhook.deliveryId}: ${webhook.reason}`);
          received++; // verified ones only: the demo's success line says so
          const body = JSON.parse(webhook.body) as {
            type: string;
            profile: string;
            fields: Record<string, string>;
            parameters: Record<string, string>;
          };
          console.log(
            `receiver: ✓ signature verified — ${body.type} of profile ${body.profile}, fields ${JSON.stringify(body.fields)}, changed ${JSON.stringify(body.parameters)} (delivery ${webhook.deliveryId})`,
          );
        },
      });
      say(`receiver listening on http://127.0.0.1:${receiver.port}/hook (verifies every signature through DNS)`);
      callback = await started.createCallback(demoCallback(`http://127.0.0.1:${receiver.port}/hook`));
      say(
        `created callback ${callback.id}: updates of profiles named "piet" in database 7, not from API calls, as JSON`,
      );
    },
  });

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    say('stopping...');
    await system.close();
    await receiver?.close();
    say('stopped');
    process.exit(0);
  };
  // `on`, not `once`: a second Ctrl-C while stopping must not kill the demo halfway (servers left
  // running). The npm script runs `node --import tsx`, not the tsx wrapper, which would relay each
  // Ctrl-C a second time.
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());

  const events: [string, ProfileEvent][] = [
    [
      'piet moves to Amsterdam (web UI): fires',
      event({ name: 'piet', city: 'Amsterdam' }, { city: 'Utrecht' }, Origin.PUBLISHER),
    ],
    [
      'klaas moves (web UI): no match, name is not piet',
      event({ name: 'klaas', city: 'Delft' }, { city: 'Leiden' }, Origin.PUBLISHER),
    ],
    [
      'piet changes through the REST API: no match, API calls disabled',
      event({ name: 'piet', city: 'Haarlem' }, { city: 'Amsterdam' }, Origin.REST),
    ],
    ['piet opens a mail: fires', event({ name: 'piet', city: 'Haarlem' }, {}, Origin.OPEN)],
  ];
  for (const [what, e] of events) {
    await system.publisher.publish(e);
    say(`published event ${e.eventId}: ${what}`);
  }
  const deadline = Date.now() + 30_000;
  while (received < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  say(
    received >= 2
      ? 'both expected webhooks arrived, signed and verified.'
      : `only ${received} of 2 webhooks arrived verified within 30 s; see the lines above`,
  );

  const { address, httpUrl, token } = system;
  say(
    `config service: gRPC ${address}, HTTP/JSON ${httpUrl} (OpenAPI: libs/proto/src/gen/openapi.yaml); token ${token}`,
  );
  say(`web console: ${httpUrl}/ (sign in with the token above)`);
  say('the system keeps running; try:');
  say(`  curl -H 'authorization: Bearer ${token}' ${httpUrl}/v1/callbacks`);
  say(`  npm run cli -- callbacks list --addr ${address} --token ${token}`);
  say(`  npm run cli -- deliveries list --callback ${callback?.id ?? ''} --addr ${address} --token ${token}`);
  say(`  grpcurl -plaintext ${address} list        (grpcurl: npm run infra -- install --tools)`);
  say(
    `  nats --server ${system.nats.url} pub callbacks.events.v1.${ACCOUNT}.7.profile.update -H 'Content-Type: application/json' '{"eventId":"my-1","accountId":"${ACCOUNT}","databaseId":"7","profileId":"9","action":"ACTION_UPDATE","origin":"ORIGIN_PUBLISHER","occurredAt":"${new Date().toISOString()}","fields":{"name":"piet"}}'`,
  );
  say('Ctrl-C stops everything.');
}

/** A service's JSON log line as `level msg key=value ...`, other lines as they are. */
function summarise(line: string): string {
  try {
    const { level, msg, time: _time, service: _service, ...rest } = JSON.parse(line) as Record<string, unknown>;
    const extras = Object.entries(rest)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' ');
    return `${String(level)} ${String(msg)}${extras ? ` ${extras}` : ''}`;
  } catch {
    return line;
  }
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
    ordering: Ordering.NONE,
    actions: [Action.UPDATE],
    triggers: [],
    disableOnApiCalls: true,
    condition: {
      rules: [
        {
          name: 'only piet',
          mode: RuleMode.INCLUDE,
          disabled: false,
          conditions: [fieldCondition('name', FieldComparison.EQUALS, 'piet')],
        },
      ],
      expression: '',
    },
    state: CallbackState.ACTIVE,
    deliveryPolicy: undefined,
    description: 'demo: updates of profiles named piet, not from API calls',
    labels: { demo: 'true' },
    revision: 0,
    createTime: undefined,
    updateTime: undefined,
    stateChangeTime: undefined,
    stateReason: '',
    signatureScheme: SignatureScheme.UNSPECIFIED,
    secrets: [],
    secretRotateTime: undefined,
    sealedSecrets: [],
  };
}

main().catch((error: unknown) => {
  console.error('demo: failed:', error);
  process.exit(1);
});
