import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { binaryPath, ensureInstalled } from '@callbacks/infra';
import { type Harness, startHarness } from './harness';

const run = promisify(execFile);

let h: Harness;
beforeAll(async () => {
  await ensureInstalled(['grpcurl', 'grpcHealthProbe']);
  h = await startHarness({ mongoUrl: inject('mongoUrl'), natsUrl: inject('natsUrl') });
});
afterAll(async () => {
  await h?.close();
});

/** Health turns SERVING once the database is ready; wait for that event rather than sleeping. */
async function probe(): Promise<string> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const { stdout, stderr } = await run(binaryPath('grpcHealthProbe'), [`-addr=${h.address}`]);
      return `${stdout}${stderr}`.trim();
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
  }
}

describe('standard gRPC tooling', () => {
  it('grpc-health-probe sees the service SERVING', async () => {
    expect(await probe()).toBe('status: SERVING');
  });

  it('grpcurl lists the services through server reflection', async () => {
    const { stdout } = await run(binaryPath('grpcurl'), ['-plaintext', h.address, 'list']);
    const services = stdout.trim().split('\n');
    expect(services).toContain('callbacks.v1.CallbackService');
    expect(services).toContain('grpc.health.v1.Health');
  });

  it('grpcurl checks and describes the health service through reflection', async () => {
    await probe();
    const check = await run(binaryPath('grpcurl'), ['-plaintext', h.address, 'grpc.health.v1.Health/Check']);
    expect(JSON.parse(check.stdout)).toEqual({ status: 'SERVING' });
    const described = await run(binaryPath('grpcurl'), ['-plaintext', h.address, 'describe', 'grpc.health.v1.Health']);
    expect(described.stdout).toContain(
      'rpc List ( .grpc.health.v1.HealthListRequest ) returns ( .grpc.health.v1.HealthListResponse );',
    );
    const service = await run(binaryPath('grpcurl'), [
      '-plaintext',
      '-d',
      '{"service":"callbacks.v1.CallbackService"}',
      h.address,
      'grpc.health.v1.Health/Check',
    ]);
    expect(JSON.parse(service.stdout)).toEqual({ status: 'SERVING' });
  });

  it('grpcurl describes a method without any .proto file', async () => {
    const { stdout } = await run(binaryPath('grpcurl'), [
      '-plaintext',
      h.address,
      'describe',
      'callbacks.v1.CallbackService.CreateCallback',
    ]);
    expect(stdout).toContain(
      'rpc CreateCallback ( .callbacks.v1.CreateCallbackRequest ) returns ( .callbacks.v1.CreateCallbackResponse )',
    );
  });
});
