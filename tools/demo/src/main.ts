import { randomBytes, createHash } from 'node:crypto';
import { Metadata, credentials, status, type ServiceError } from '@grpc/grpc-js';
import { startInfrastructure } from '@callbacks/infra';
import { Action } from '@callbacks/proto/callbacks/events/v1/profile_event';
import { CallbackState, Format, callbackStateToJSON, formatToJSON, type Callback } from '@callbacks/proto/callbacks/v1/callback';
import { CallbackServiceClient, type CreateCallbackResponse } from '@callbacks/proto/callbacks/v1/callback_service';
import { FieldComparison, RuleMode } from '@callbacks/proto/callbacks/v1/condition';
import { runService, type ServiceProcess } from './services';

const say = (line: string) => console.log(`demo: ${line}`);

/**
 * The whole system on this machine: real NATS and a MongoDB-wire server, the config service as
 * a process, and a callback created over gRPC. Ctrl-C stops everything.
 */
async function main(): Promise<void> {
  say('starting nats-server (JetStream) and the MongoDB-wire server (installing them on first run)...');
  const infra = await startInfrastructure();
  say(`NATS  ${infra.nats.url}`);
  say(`Mongo ${infra.mongo.url}`);

  const token = `demo-${randomBytes(12).toString('hex')}`;
  const grpcAddr = '127.0.0.1:50051';
  const services: ServiceProcess[] = [
    runService(
      'config-service',
      {
        CONFIG_GRPC_ADDR: grpcAddr,
        MONGO_URL: infra.mongo.url,
        NATS_URL: infra.nats.url,
        CONFIG_TOKENS: JSON.stringify([
          { name: 'demo', sha256: createHash('sha256').update(token).digest('hex'), accounts: '*' },
        ]),
        CONFIG_ALLOW_HTTP_URLS: 'true',
      },
      console.log,
    ),
  ];

  const stop = async () => {
    say('stopping...');
    await Promise.all(services.map((s) => s.stop()));
    await infra.close();
    say('stopped');
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());

  const client = new CallbackServiceClient(grpcAddr, credentials.createInsecure());
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  const callback = await createWhenReady(client, metadata, {
    id: '',
    accountId: '42',
    databaseId: '7',
    collectionId: '',
    url: 'http://127.0.0.1:8080/hook',
    format: Format.JSON,
    actions: [Action.UPDATE],
    triggers: [],
    disableOnApiCalls: true,
    condition: {
      rules: [
        {
          name: 'only piet',
          mode: RuleMode.INCLUDE,
          disabled: false,
          conditions: [
            {
              kind: {
                $case: 'field',
                value: {
                  field: 'name',
                  comparison: FieldComparison.EQUALS,
                  operand: { $case: 'value', value: 'piet' },
                  values: [],
                  numeric: false,
                  caseSensitive: false,
                },
              },
            },
          ],
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
  });
  say(
    `created callback ${callback.id} (revision ${callback.revision}, ${callbackStateToJSON(callback.state)}, ` +
      `${formatToJSON(callback.format)}) → ${callback.url}`,
  );
  say('try it yourself (the config service keeps running):');
  say(`  grpcurl -plaintext ${grpcAddr} list`);
  say(`  grpcurl -plaintext -H 'authorization: Bearer ${token}' -d '{"id":"${callback.id}"}' ${grpcAddr} callbacks.v1.CallbackService/GetCallback`);
  say('(grpcurl is installed by `npm run infra -- install --tools` into ~/.cache/callbacks-infra/bin)');
  say('Ctrl-C stops everything.');
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
