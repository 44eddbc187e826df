import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli';

const dir = mkdtempSync(join(tmpdir(), 'callbacks-cli-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('keys generate', () => {
  it('runs the key tool: a 0600 private key, the TXT record and the key ring entry', async () => {
    const result = await runCli(
      ['keys', 'generate', '--selector', 'cb-2025-07', '--domain', 'callbacks.example.com', '--out', 'out'],
      { cwd: dir },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(statSync(join(dir, 'out', 'cb-2025-07._domainkey.callbacks.example.com.pem')).mode & 0o777).toBe(0o600);
    expect(result.stdout).toMatch(/^ {2}value: v=DKIM1;k=rsa;p=\S+$/m);
    expect(JSON.parse(result.stdout.slice(result.stdout.lastIndexOf('{')))).toMatchObject({
      selector: 'cb-2025-07',
      domain: 'callbacks.example.com',
    });
  });

  it("passes on the key tool's usage errors (exit 2)", async () => {
    const result = await runCli(['keys', 'generate', '--domain', 'callbacks.example.com'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--selector is required');
  });
});
