export { startInfrastructure, startMongo, startNats, type Infrastructure, type Server } from './servers';
export { ensureInstalled, binaryPath, BINARIES, type BinaryName } from './install';
export { ManagedProcess, bindToThisProcess, waitUntil } from './process';
export { freePort } from './ports';
export { startNatsCluster, type NatsCluster, type NatsNode } from './nats-cluster';
export { ensureOsCommands, OS_PACKAGES, type OsCommand } from './os-packages';
export { VERSIONS } from './versions';
