/**
 * Pinned versions of the servers and tools installed through the Go module proxy. Bump here
 * only; the installer rebuilds whatever does not report the pinned version.
 */
export const VERSIONS = {
  natsServer: 'v2.14.9',
  ferretdb: 'v1.24.2',
  natsCli: 'v0.5.0',
  grpcHealthProbe: 'v0.4.62',
  grpcurl: 'v1.9.4',
  protocGenOpenapi: 'v0.7.1',
  dockerCompose: 'v2.40.3',
  helm: 'v3.22.0',
} as const;
