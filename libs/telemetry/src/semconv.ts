/**
 * The OpenTelemetry semantic-convention attribute names our spans use (messaging, RPC, database,
 * HTTP client). Kept here rather than imported: most are still "incubating", and the
 * conventions package asks users to copy incubating names instead of importing them at runtime.
 */
export const ATTR = {
  serviceName: 'service.name',
  serviceVersion: 'service.version',

  messagingSystem: 'messaging.system',
  messagingOperationType: 'messaging.operation.type',
  messagingOperationName: 'messaging.operation.name',
  messagingDestinationName: 'messaging.destination.name',
  messagingDestinationTemplate: 'messaging.destination.template',
  messagingConsumerGroupName: 'messaging.consumer.group.name',
  messagingMessageId: 'messaging.message.id',
  messagingMessageBodySize: 'messaging.message.body.size',
  messagingBatchMessageCount: 'messaging.batch.message_count',

  rpcSystem: 'rpc.system',
  rpcService: 'rpc.service',
  rpcMethod: 'rpc.method',
  rpcGrpcStatusCode: 'rpc.grpc.status_code',

  dbSystemName: 'db.system.name',
  dbNamespace: 'db.namespace',
  dbCollectionName: 'db.collection.name',
  dbOperationName: 'db.operation.name',

  httpRequestMethod: 'http.request.method',
  httpResponseStatusCode: 'http.response.status_code',
  urlFull: 'url.full',
  urlPath: 'url.path',
  httpRoute: 'http.route',
  urlScheme: 'url.scheme',
  serverAddress: 'server.address',
  serverPort: 'server.port',
  networkPeerAddress: 'network.peer.address',
  errorType: 'error.type',
} as const;

/** `messaging.system` has no registered value for NATS; the conventions allow a custom one. */
export const MESSAGING_SYSTEM_NATS = 'nats';
