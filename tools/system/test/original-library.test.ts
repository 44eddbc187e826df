import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { watch } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bindToThisProcess, ensureOsCommands, freePort } from '@callbacks/infra';
import { Format } from '@callbacks/proto/callbacks/v1/callback';
import { formatDkimRecord, keyIdFor } from '@callbacks/signature';
import { sampleCallback, sampleEvent } from '@callbacks/testing';
import { SIGNING_DOMAIN, System } from '../src/system';

const LIBRARY = fileURLToPath(new URL('./original-library/', import.meta.url));
const ACCOUNT = '42';
/** The one line a stock copy of the library's receiver changes: its `/\.copernica\.com$/`. */
const DOMAIN_PATTERN = `/\\.${SIGNING_DOMAIN.replace(/\./g, '\\.')}$/`;

/** One request as the PHP receiver saw it, and its verdict (`verified` or the library's reason). */
interface Seen {
  uri: string;
  headers: Record<string, string>;
  body: string;
  verdict: string;
}

/** `receiver.php` under PHP's built-in server, checking requests as the original library does. */
class PhpReceiver {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    private readonly log: string,
  ) {}

  static async start(account: string, dnsServer: string, dir: string): Promise<PhpReceiver> {
    await ensureOsCommands(['php']);
    const port = await freePort();
    const log = join(dir, `account-${account}.jsonl`);
    await writeFile(log, '');
    const child = spawn('php', ['-S', `127.0.0.1:${port}`, join(LIBRARY, 'receiver.php')], {
      env: {
        ...process.env,
        CALLBACKS_ACCOUNT: account,
        CALLBACKS_KEY_DOMAIN_PATTERN: DOMAIN_PATTERN,
        CALLBACKS_DNS_SERVER: dnsServer,
        CALLBACKS_LOG: log,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    bindToThisProcess(child);
    await new Promise<void>((resolve, reject) => {
      let output = '';
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('started')) resolve();
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`php -S exited with ${code}: ${output}`)));
    });
    return new PhpReceiver(child, port, log);
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  async seen(): Promise<Seen[]> {
    const text = await readFile(this.log, 'utf8');
    return text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Seen);
  }

  /** Resolves once the receiver has logged `count` requests (it appends one line per request). */
  async waitFor(count: number): Promise<Seen[]> {
    const watcher = watch(this.log);
    let changed = false;
    let wake = () => undefined as void;
    watcher.on('change', () => {
      changed = true;
      wake();
    });
    try {
      for (;;) {
        changed = false;
        const seen = await this.seen();
        if (seen.length >= count) return seen;
        // A line appended while the file was read has set `changed`: read again at once.
        if (!changed) await new Promise<void>((resolve) => (wake = resolve));
      }
    } finally {
      watcher.close();
    }
  }

  /** Sends a request with exactly these headers (Host and Date included) and returns the verdict. */
  async send(path: string, headers: Record<string, string>, body: Buffer): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: this.port,
          method: 'POST',
          path,
          headers: { ...withoutLength(headers), 'Content-Length': String(body.length) },
        },
        (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: text.trim() }));
        },
      );
      req.once('error', reject);
      req.end(body);
    });
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
  }
}

const withoutLength = (headers: Record<string, string>) =>
  Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'content-length'));
const header = (seen: Seen, name: string) =>
  Object.entries(seen.headers).find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1];
const withHeader = (seen: Seen, name: string, value: string) => ({
  ...Object.fromEntries(Object.entries(seen.headers).filter(([n]) => n.toLowerCase() !== name.toLowerCase())),
  [name]: value,
});
const withKeyId = (seen: Seen, keyId: string) =>
  withHeader(seen, 'Signature', header(seen, 'Signature')!.replace(/keyId="[^"]*"/, `keyId="${keyId}"`));

/**
 * Receivers written for the original product verify with its PHP library; they must accept our
 * webhooks unchanged but for the one line that names the operator's domain. Real deliveries from
 * the running system reach a PHP receiver that checks them as that library does, step by step
 * (./original-library/copernica-request.php); then the same requests, tampered, are refused with
 * the library's reasons.
 */
describe("receivers built on the original product's PHP library", () => {
  let dir: string;
  let system: System;
  let receiver: PhpReceiver;
  let otherAccount: PhpReceiver;
  let deliveries: Seen[];
  const path = '/hooks/copernica.php?source=callbacks';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'original-library-'));
    system = await System.start({
      prepare: async (started) => {
        receiver = await PhpReceiver.start(ACCOUNT, started.dns.address, dir);
        otherAccount = await PhpReceiver.start('43', started.dns.address, dir);
        for (const format of [Format.JSON, Format.XML, Format.FORM]) {
          await started.createCallback(
            sampleCallback({
              accountId: ACCOUNT,
              databaseId: 'php',
              url: receiver.url(path),
              format,
              actions: [],
              triggers: [],
            }),
          );
        }
      },
    });
    await system.publisher.publish(
      sampleEvent({
        accountId: ACCOUNT,
        databaseId: 'php',
        fields: { name: 'Piët', city: 'Amsterdam' },
        interests: [
          { name: 'newsletter', group: '' },
          { name: 'tennis', group: 'sports' },
        ],
      }),
    );
    deliveries = await receiver.waitFor(3);
  });
  afterAll(async () => {
    await system?.close();
    await Promise.all([receiver?.close(), otherAccount?.close()]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('accepts every fresh delivery, in each format, with the key it fetched from DNS', () => {
    expect(deliveries.map((d) => [header(d, 'Content-Type'), d.verdict]).sort()).toEqual([
      ['application/json', 'verified'],
      ['application/x-www-form-urlencoded', 'verified'],
      ['application/xml; charset=utf-8', 'verified'],
    ]);
    expect(deliveries.every((d) => header(d, 'Digest')!.startsWith('sha-256='))).toBe(true);
  });

  it.each<
    [
      string,
      (
        d: Seen,
        other: Seen,
      ) => { path?: string; headers?: Record<string, string>; body?: Buffer; to?: 'other account' },
      string,
    ]
  >([
    ['the same request again (within the minute)', () => ({}), 'verified'],
    [
      'a tampered body',
      (d) => ({ body: Buffer.concat([Buffer.from(d.body, 'base64'), Buffer.from(' ')]) }),
      'Digest header does not match body data',
    ],
    [
      'a Date 2 minutes old',
      (d) => ({ headers: withHeader(d, 'Date', new Date(Date.now() - 120_000).toUTCString()) }),
      'request older than 1 minute',
    ],
    [
      'a receiver of another account',
      () => ({ to: 'other account' }),
      'invalid signature: the x-copernica-id header is not included in the signature or has an invalid value',
    ],
    ['another path', () => ({ path: '/hooks/other.php?source=callbacks' }), 'signature is invalid'],
    [
      "another delivery's signature",
      (d, other) => ({ headers: withHeader(d, 'Signature', header(other, 'Signature')!) }),
      'signature is invalid',
    ],
    [
      'a Digest named SHA-256 (as we sent it before)',
      (d) => ({ headers: withHeader(d, 'Digest', header(d, 'Digest')!.replace('sha-256=', 'SHA-256=')) }),
      'Invalid hashing algorithm',
    ],
    [
      'a signature whose header list leaves out x-nonce',
      (d) => ({ headers: withHeader(d, 'Signature', header(d, 'Signature')!.replace(' x-nonce', '')) }),
      'Invalid signature: the X-nonce header is not included in the signature',
    ],
    [
      'a keyId of another domain',
      (d) => ({ headers: withKeyId(d, 'system._domainkey.example.com') }),
      'call is not signed by copernica.com (but by someone else)',
    ],
  ])('refuses or accepts %s as the library does', async (_name, change, verdict) => {
    const [delivery, other] = deliveries as [Seen, Seen];
    const changed = change(delivery, other);
    const target = changed.to === 'other account' ? otherAccount : receiver;
    const answer = await target.send(
      changed.path ?? delivery.uri,
      changed.headers ?? delivery.headers,
      changed.body ?? Buffer.from(delivery.body, 'base64'),
    );
    expect(answer.text).toBe(verdict === 'verified' ? 'verified' : `Invalid webhook call: ${verdict}`);
    expect(answer.status).toBe(verdict === 'verified' ? 200 : 403);
  });

  it('reads the key record as published now, and not the spaced form the keys tool printed before', async () => {
    const publicKey = createPublicKey(system.signingKeyPem);
    system.dns.publish(keyIdFor('unspaced', SIGNING_DOMAIN), formatDkimRecord(publicKey));
    system.dns.publish(keyIdFor('spaced', SIGNING_DOMAIN), formatDkimRecord(publicKey).replace(/;/g, '; '));
    const delivery = deliveries[0]!;
    const body = Buffer.from(delivery.body, 'base64');
    expect(
      (await receiver.send(delivery.uri, withKeyId(delivery, keyIdFor('unspaced', SIGNING_DOMAIN)), body)).text,
    ).toBe('verified');
    expect(
      (await receiver.send(delivery.uri, withKeyId(delivery, keyIdFor('spaced', SIGNING_DOMAIN)), body)).text,
    ).toBe('Invalid webhook call: signature is invalid');
  });

  it("cannot load a 3072- or 4096-bit key's record (padding cut at '='), which is why the keys tool refuses them", async () => {
    const loads = async (bits: number) => {
      const record = formatDkimRecord(generateKeyPairSync('rsa', { modulusLength: bits }).publicKey);
      const script = `require '${join(LIBRARY, 'copernica-request.php')}'; echo openssl_pkey_get_public(dkim_key([$argv[1]], 'k')) === false ? 'unreadable' : 'loaded';`;
      const { stdout } = await promisify(execFile)('php', ['-r', script, record]);
      return stdout;
    };
    expect(await loads(2048)).toBe('loaded');
    expect(await loads(3072)).toBe('unreadable');
    expect(await loads(4096)).toBe('unreadable');
  });
});
