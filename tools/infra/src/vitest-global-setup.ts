import './provided-context';
import type { TestProject } from 'vitest/node';
import { startInfrastructure } from './servers';

/**
 * Vitest global set-up for integration tests: starts (installing if needed) a real nats-server
 * and a MongoDB-wire server, or uses NATS_URL / MONGO_URL, and hands the URLs to the tests
 * through `inject('natsUrl')` / `inject('mongoUrl')`. Test files isolate themselves with their
 * own database names and stream names; tests that stop or restart a server start their own.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const infra = await startInfrastructure();
  project.provide('natsUrl', infra.nats.url);
  project.provide('mongoUrl', infra.mongo.url);
  return () => infra.close();
}
