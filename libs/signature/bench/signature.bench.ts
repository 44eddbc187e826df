/**
 * Signing and verification rates against the raw RSA operation on the same data, in the same run.
 * The library's work around `crypto.sign` / `crypto.verify` (digest, headers, parsing, key cache)
 * must be nearly free: the target is a ratio of at least 0.9.
 *
 * Prints JSON lines: {"bench":"signature","case":"sign"|"verify","value":ops/s,"unit":"ops/s","limit":0.9,"ratio":…}
 * plus the raw rates as "sign_raw" / "verify_raw". "verify_with_digest" compares against the
 * cryptographic floor every receiver pays (RSA verification plus the body's SHA-256), to show how
 * much of the gap is the mandatory digest. The verifier checks the RSA signature by RFC 8017's
 * encode-and-compare (src/rsa-sha256.ts), the baseline with `crypto.verify` itself. Like every benchmark here it prints figures and does not
 * fail; a ratio under the limit is also noted on stderr.
 *
 * Both sides verify the same 64 deliveries (distinct nonces, so distinct signing strings and
 * signatures) with the same kind of key, one read from the DKIM record. For a CPU profile:
 * `node --import tsx --cpu-prof bench/signature.bench.ts` in this folder.
 */
import { generateKeyPairSync, hash, sign, verify } from 'node:crypto';
import {
  buildSigningString,
  createVerifier,
  formatDkimRecord,
  type IncomingRequest,
  KeyRing,
  parseDkimRecord,
  SIGNED_HEADERS,
  SigningKey,
  signRequest,
  type TxtResolver,
} from '../src/index';

const TARGET_RATIO = 0.9;
const SIGN_SECONDS = 4;
const VERIFY_SECONDS = 3;

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const key = new SigningKey({
  selector: 'bench',
  domain: 'callbacks.test',
  validFrom: new Date(Date.now() - 60_000),
  validUntil: new Date(Date.now() + 24 * 60 * 60_000),
  privateKey,
});
const keyRing = new KeyRing([key]);
// A typical JSON delivery (SPEC §7.1), about 450 bytes.
const body = Buffer.from(
  JSON.stringify({
    id: 'dlv_01HZX3K9Q2W7',
    type: 'update',
    origin: 'PUBLISHER',
    timestamp: '2025-06-03 10:15:29',
    time: 1748945729,
    database: '12',
    profile: '3456',
    created: '2024-01-02 03:04:05',
    modified: '2025-06-03 10:15:29',
    fields: { name: 'Piet', email: 'piet@example.com', city: 'Amsterdam', country: 'NL', newsletter: 'yes' },
    interests: ['sport', 'music'],
    parameters: { city: 'Amsterdam' },
    previous: { city: 'Utrecht' },
  }),
);
const url = 'https://hooks.receiver.example.org/copernica/callback?source=crm';
const outgoing = { url, contentType: 'application/json', body, accountId: '42' };

// The key is cached after the first request, as on a busy receiver; the resolver answers from memory.
const dkimRecord = formatDkimRecord(key.publicKey);
const resolver: TxtResolver = { resolveTxt: async () => [[dkimRecord]] };
const verifier = createVerifier({ accountId: '42', allowedDomains: ['callbacks.test'], resolver });
// The raw baseline verifies with the same kind of key the verifier holds: one read from the DNS record.
const published = parseDkimRecord(dkimRecord);
if (!published.ok) throw new Error(`bench key record does not parse: ${published.message}`);
const publicKey = published.publicKey;

/**
 * Distinct deliveries, as a receiver sees them: each has its own nonce and so its own signing
 * string and signature, which no cache keyed on one request can serve. The raw baseline verifies
 * exactly the same signing strings and signatures, in the same order.
 */
const requests = Array.from({ length: 64 }, () => {
  const headers = signRequest(outgoing, { keyRing });
  const lowercase = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
  return {
    signingString: Buffer.from(
      buildSigningString(SIGNED_HEADERS, 'POST', '/copernica/callback?source=crm', (name) => lowercase[name] ?? ''),
    ),
    signature: Buffer.from(/signature="([^"]+)"/.exec(headers.Signature)![1]!, 'base64'),
    // Node's IncomingHttpHeaders shape: lowercase keys, plus headers every real request has.
    incoming: {
      method: 'POST',
      path: '/copernica/callback?source=crm',
      headers: {
        ...lowercase,
        connection: 'keep-alive',
        'user-agent': 'callbacks-dispatcher',
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      },
      body,
    } satisfies IncomingRequest,
  };
});
/** Walks the pool round and round; the library and the baseline each get their own walk. */
function cycle() {
  let next = 0;
  return () => requests[next++ % requests.length]!;
}

const BATCH = 32;

/** Seconds for one batch of `run`. */
function batch(run: () => void): number {
  const start = performance.now();
  for (let i = 0; i < BATCH; i++) run();
  return (performance.now() - start) / 1000;
}

async function batchAsync(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < BATCH; i++) await run();
  return (performance.now() - start) / 1000;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/**
 * Alternates small batches of the raw operation and the library call, so that the load of a
 * shared machine falls on both alike; the ratio is the median over the batch pairs.
 */
async function compare(name: string, library: () => Promise<number>, raw: () => number, seconds: number) {
  const ours: number[] = [];
  const baseline: number[] = [];
  const ratios: number[] = [];
  const until = performance.now() + seconds * 1000;
  while (performance.now() < until) {
    const a = raw();
    const b = await library();
    baseline.push(BATCH / a);
    ours.push(BATCH / b);
    ratios.push(a / b);
  }
  const line = (value: object) => console.log(JSON.stringify({ bench: 'signature', ...value }));
  line({ case: `${name}_raw`, value: Math.round(median(baseline)), unit: 'ops/s' });
  line({
    case: name,
    value: Math.round(median(ours)),
    unit: 'ops/s',
    limit: TARGET_RATIO,
    ratio: Number(median(ratios).toFixed(3)),
  });
  return median(ratios);
}

/** Batches of `verifier.verify` over the pool. */
function verifyBatches() {
  const next = cycle();
  return () => batchAsync(() => verifier.verify(next().incoming));
}

/** Batches of the bare `crypto.verify` of the same requests, plus the body's SHA-256 if asked. */
function rawVerifyBatches({ withDigest }: { withDigest: boolean }) {
  const next = cycle();
  return () =>
    batch(() => {
      const { signingString, signature, incoming } = next();
      if (withDigest) hash('sha256', incoming.body, 'base64');
      verify('sha256', signingString, publicKey, signature);
    });
}

// Warm up both paths (JIT, key cache) before measuring.
for (let i = 0; i < 200; i++) signRequest(outgoing, { keyRing });
for (let i = 0; i < 2000; i++) {
  const { incoming } = requests[i % requests.length]!;
  const result = await verifier.verify(incoming);
  if (!result.ok) throw new Error(`bench request does not verify: ${result.reason}`);
}

const signRatio = await compare(
  'sign',
  async () => batch(() => signRequest(outgoing, { keyRing })),
  () => batch(() => sign('sha256', requests[0]!.signingString, privateKey)),
  SIGN_SECONDS,
);
const verifyRatio = await compare('verify', verifyBatches(), rawVerifyBatches({ withDigest: false }), VERIFY_SECONDS);
await compare('verify_with_digest', verifyBatches(), rawVerifyBatches({ withDigest: true }), VERIFY_SECONDS);

if (signRatio < TARGET_RATIO || verifyRatio < TARGET_RATIO) {
  console.error(
    `note: below the target ratio ${TARGET_RATIO}: sign ${signRatio.toFixed(3)}, verify ${verifyRatio.toFixed(3)}`,
  );
}
