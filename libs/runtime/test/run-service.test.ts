import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const fixture = fileURLToPath(new URL('./fixture-service.ts', import.meta.url));

function runFixture(env: Record<string, string>, onStdout?: (text: string, child: ReturnType<typeof spawn>) => void) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      onStdout?.(stdout, child);
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('runService', () => {
  it('exits 2 naming each bad variable', async () => {
    const { code, stderr } = await runFixture({ FIXTURE_PORT: 'eighty', LOG_LEVEL: 'loud' });
    expect(code).toBe(2);
    expect(stderr).toContain('FIXTURE_PORT: expected an integer');
    expect(stderr).toContain('LOG_LEVEL: expected one of info, silent');
  });

  it('stops gracefully on SIGTERM and exits 0', async () => {
    const { code, stdout } = await runFixture({ FIXTURE_PORT: '80' }, (text, child) => {
      if (text.includes('"msg":"started"') && !text.includes('shutting down')) child.kill('SIGTERM');
    });
    expect(code).toBe(0);
    expect(stdout).toContain('"msg":"stopped cleanly"');
    // Every line carries the telemetry's log fields (the trace ids of the active span).
    const lines = stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) expect(line.fixture_field).toBe('from the telemetry');
  });

  it('exits 0 on SIGTERM while it is still starting, however long the start would wait', async () => {
    const { code, stdout } = await runFixture({ FIXTURE_PORT: '80', FIXTURE_NEVER_UP: 'yes' }, (text, child) => {
      if (text.includes('never comes') && !text.includes('while still starting')) child.kill('SIGTERM');
    });
    expect(code).toBe(0);
    expect(stdout).toContain('"msg":"stopped while still starting"');
    expect(stdout).not.toContain('"msg":"started"');
  });

  it('stops and exits 1, saying why, when the service fails on its own', async () => {
    const { code, stdout } = await runFixture({ FIXTURE_PORT: '80', FIXTURE_FAIL: 'yes' });
    expect(code).toBe(1);
    const lines = stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { level: string; msg: string; err?: { message: string } });
    expect(lines.find((line) => line.level === 'fatal')).toMatchObject({
      msg: 'cannot go on; stopping',
      err: { message: 'its consumer was deleted' },
    });
    expect(lines.map((line) => line.msg)).toContain('stopped cleanly');
  });
});
