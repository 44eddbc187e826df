import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '@callbacks/infra';
import { auth, call, sampleCallback } from '@callbacks/testing';
import { rows, runCli } from './run-cli';
import { startWorld, type World } from './world';

const dir = mkdtempSync(join(tmpdir(), 'callbacks-cli-'));
let w: World;
beforeAll(async () => {
  // The key the config service signs test requests with comes from the CLI's own `keys generate`.
  const keys = await runCli([
    'keys',
    'generate',
    '--selector',
    'cli-test',
    '--domain',
    'callbacks.example.com',
    '--out',
    dir,
  ]);
  expect(keys.code, keys.stderr).toBe(0);
  const ringEntry = JSON.parse(keys.stdout.slice(keys.stdout.lastIndexOf('{'))) as unknown;
  w = await startWorld({
    mongoUrl: inject('mongoUrl'),
    serviceEnv: { SIGNING_KEY_RING: JSON.stringify({ keys: [ringEntry] }) },
  });
});
afterAll(async () => {
  await w?.close();
  rmSync(dir, { recursive: true, force: true });
});

const json = (stdout: string) => JSON.parse(stdout) as Record<string, unknown>;

describe('callbacks', () => {
  it('creates, lists (table and --json), gets, refuses a stale update, deletes, and then finds nothing', async () => {
    const create = await w.cli([
      'callbacks',
      'create',
      '--account',
      '42',
      '--database',
      '7',
      '--url',
      'https://hooks.example.com/a',
      '--action',
      'update',
      '--trigger',
      'publisher,webform',
      '--label',
      'team=crm',
      '--description',
      'city changes',
      '--json',
    ]);
    expect(create.code, create.stderr).toBe(0);
    const created = json(create.stdout);
    expect(created).toMatchObject({
      accountId: '42',
      databaseId: '7',
      url: 'https://hooks.example.com/a',
      actions: ['ACTION_UPDATE'],
      triggers: ['ORIGIN_PUBLISHER', 'ORIGIN_WEBFORM'],
      labels: { team: 'crm' },
      state: 'CALLBACK_STATE_ACTIVE',
      revision: 1,
    });
    const id = created['id'] as string;
    expect(id).toMatch(/^cb_/);

    const list = await w.cli(['callbacks', 'list', '--account', '42']);
    expect(list.code, list.stderr).toBe(0);
    const [header, ...body] = rows(list.stdout);
    expect(header).toEqual(['ID', 'ACCOUNT', 'DATABASE', 'COLLECTION', 'STATE', 'URL', 'REVISION', 'LABELS']);
    expect(body).toContainEqual([id, '42', '7', '-', 'ACTIVE', 'https://hooks.example.com/a', '1', 'team=crm']);
    const lines = list.stdout.split('\n');
    expect(lines.find((line) => line.startsWith(id))?.indexOf('https://')).toBe(lines[0]?.indexOf('URL'));

    const listJson = await w.cli(['callbacks', 'list', '--account', '42', '--json']);
    expect((json(listJson.stdout)['callbacks'] as { id: string }[]).map((c) => c.id)).toContain(id);

    const get = await w.cli(['callbacks', 'get', id]);
    expect(get.code, get.stderr).toBe(0);
    expect(get.stdout).toMatch(/^url\s+https:\/\/hooks\.example\.com\/a$/m);
    expect(get.stdout).toMatch(/^triggers\s+publisher, webform$/m);
    expect(get.stdout).toMatch(/^revision\s+1$/m);

    const update = await w.cli([
      'callbacks',
      'update',
      id,
      '--url',
      'https://hooks.example.com/b',
      '--expected-revision',
      '1',
      '--json',
    ]);
    expect(update.code, update.stderr).toBe(0);
    // The mask named only the URL: everything else stays.
    expect(json(update.stdout)).toMatchObject({
      url: 'https://hooks.example.com/b',
      description: 'city changes',
      labels: { team: 'crm' },
      revision: 2,
    });

    const stale = await w.cli(['callbacks', 'update', id, '--description', 'lost update', '--expected-revision', '1']);
    expect(stale.code).toBe(5);
    expect(stale.stderr).toMatch(/^callbacks: conflict: .*revision 2/);
    expect(stale.stdout).toBe('');

    const remove = await w.cli(['callbacks', 'delete', id, '--expected-revision', '2']);
    expect(remove.code, remove.stderr).toBe(0);
    expect(remove.stdout).toBe(`Deleted callback ${id}.\n`);

    const gone = await w.cli(['callbacks', 'get', id]);
    expect(gone.code).toBe(3);
    expect(gone.stderr).toContain('not found');
  });

  it('creates from a proto3 JSON file, with flags taking precedence', async () => {
    const file = join(dir, 'callback.json');
    writeFileSync(
      file,
      JSON.stringify({
        accountId: '42',
        databaseId: '7',
        url: 'https://hooks.example.com/from-file',
        format: 'FORMAT_XML',
        condition: {
          rules: [
            {
              name: 'amsterdam',
              conditions: [{ field: { field: 'city', comparison: 'FIELD_COMPARISON_EQUALS', value: 'Amsterdam' } }],
            },
          ],
        },
        deliveryPolicy: { maxConcurrency: 3, timeout: '10s' },
      }),
    );
    const create = await w.cli(
      ['callbacks', 'create', '--from-file', 'callback.json', '--url', 'https://hooks.example.com/flag', '--json'],
      { cwd: dir },
    );
    expect(create.code, create.stderr).toBe(0);
    expect(json(create.stdout)).toMatchObject({
      url: 'https://hooks.example.com/flag',
      format: 'FORMAT_XML',
      condition: { rules: [{ name: 'amsterdam' }] },
      deliveryPolicy: { maxConcurrency: 3, timeout: { seconds: 10 } },
    });
  });

  it('pages through every callback with --all, showing progress on stderr', async () => {
    for (let i = 0; i < 3; i++) {
      await call(
        w.service.client.createCallback.bind(w.service.client),
        { callback: sampleCallback({ accountId: 'paging' }) },
        auth(w.env['CALLBACKS_TOKEN']!),
      );
    }
    const first = await w.cli(['callbacks', 'list', '--account', 'paging', '--page-size', '2']);
    expect(rows(first.stdout)).toHaveLength(3);
    expect(first.stderr).toMatch(/^More callbacks: add --all, or --page-token \S+$/m);

    const all = await w.cli(['callbacks', 'list', '--account', 'paging', '--page-size', '2', '--all', '--json']);
    expect(all.code, all.stderr).toBe(0);
    expect(json(all.stdout)['callbacks']).toHaveLength(3);
    expect(json(all.stdout)['nextPageToken']).toBeUndefined();
    expect(all.stderr).toContain('fetched 3 callbacks in 2 pages');
  });

  it('prints every field violation with its path and exits 4', async () => {
    const result = await w.cli([
      'callbacks',
      'create',
      '--account',
      '42',
      '--database',
      '7',
      '--url',
      'ftp://hooks.example.com',
      '--label',
      'Not A Key=x',
    ]);
    expect(result.code).toBe(4);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^callbacks: invalid request \(2 problems\):$/m);
    expect(result.stderr).toMatch(/^ {2}callback\.url: /m);
    expect(result.stderr).toMatch(/^ {2}callback\.labels\.Not A Key: label keys must match/m);
  });

  it('explains a test match and shows the signed request a dispatcher would send', async () => {
    const create = await w.cli([
      'callbacks',
      'create',
      '--account',
      '42',
      '--database',
      '7',
      '--url',
      'https://hooks.example.com/test',
      '--expression',
      'profile.fields.city == "Amsterdam"',
      '--json',
    ]);
    const id = json(create.stdout)['id'] as string;
    writeFileSync(
      join(dir, 'event.json'),
      JSON.stringify({
        accountId: '42',
        databaseId: '7',
        profileId: '1001',
        action: 'ACTION_UPDATE',
        origin: 'ORIGIN_PUBLISHER',
        fields: { city: 'Amsterdam' },
      }),
    );

    const saved = await w.cli(['callbacks', 'test', id, '--event-file', 'event.json'], { cwd: dir });
    expect(saved.code, saved.stderr).toBe(0);
    expect(saved.stdout).toMatch(/^matched\s+yes$/m);
    expect(saved.stdout).toMatch(
      /^ {2}Signature: keyId="cli-test\._domainkey\.callbacks\.example\.com",algorithm="rsa-sha256"/m,
    );
    expect(saved.stdout).toMatch(/^Body:\n\{.*"city":"Amsterdam"/m);

    const unsaved = await w.cli(
      [
        'callbacks',
        'test',
        '--account',
        '42',
        '--database',
        '7',
        '--url',
        'https://hooks.example.com/x',
        '--expression',
        'profile.fields.city == "Utrecht"',
        '--event-file',
        'event.json',
        '--json',
      ],
      { cwd: dir },
    );
    expect(unsaved.code, unsaved.stderr).toBe(0);
    const verdict = json(unsaved.stdout);
    expect(verdict['matched']).toBeUndefined();
    expect(verdict['expressionResult']).toBeUndefined();
    expect(verdict['reason']).toMatch(/expression/i);
  });
});

describe('command line problems', () => {
  it('exits 2 with the problem and the usage line for bad flags, values and commands', async () => {
    const unknown = await runCli(['callbacks', 'create', '--bogus']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("callbacks: Unknown option '--bogus'");
    expect(unknown.stderr).toContain('Usage: callbacks callbacks create --account <id> --database <id>');

    const badValue = await runCli(['callbacks', 'list', '--state', 'sleeping']);
    expect(badValue.code).toBe(2);
    expect(badValue.stderr).toContain(
      '--state "sleeping": expected one of active, disabled, disabled-gone, disabled-failing',
    );

    const nothing = await runCli(['callbacks', 'update', 'cb_1']);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toContain('nothing to update');

    const command = await runCli(['callbacks', 'frobnicate']);
    expect(command.code).toBe(2);
    expect(command.stderr).toContain('unknown command "callbacks frobnicate"');
  });

  it('prints help with examples on every level, exit 0', async () => {
    const top = await runCli(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toContain('Exit codes:');
    const group = await runCli(['deliveries', '--help']);
    expect(group.stdout).toMatch(/^ {2}replay\s+/m);
    const command = await runCli(['callbacks', 'update', '--help']);
    expect(command.stdout).toContain('Examples:');
    expect(command.stdout).toContain('--expected-revision <n>');
  });

  it('exits 6 without a token or with a wrong one, and never prints the token', async () => {
    const none = await runCli(['callbacks', 'list'], { env: { CALLBACKS_ADDR: w.env['CALLBACKS_ADDR']! } });
    expect(none.code).toBe(6);
    expect(none.stderr).toBe('callbacks: no token: set CALLBACKS_TOKEN (or pass --token)\n');

    const token = 'not-the-right-token-5f1c';
    const wrong = await runCli(['callbacks', 'list', '--token', token], {
      env: { CALLBACKS_ADDR: w.env['CALLBACKS_ADDR']! },
    });
    expect(wrong.code).toBe(6);
    expect(wrong.stderr).toMatch(/^callbacks: not authenticated: /);
    expect(wrong.stderr + wrong.stdout).not.toContain(token);
  });

  it('exits 7 when the config service cannot be reached', async () => {
    const result = await w.cli(['callbacks', 'get', 'cb_1', '--addr', `127.0.0.1:${await freePort()}`]);
    expect(result.code).toBe(7);
    expect(result.stderr).toMatch(/^callbacks: the config service at 127\.0\.0\.1:\d+ is unavailable: /);
  });
});
