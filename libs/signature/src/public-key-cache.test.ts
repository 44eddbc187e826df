import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { formatDkimRecord } from './dkim-record';
import { KeyLookupError } from './errors';
import { PublicKeyCache } from './public-key-cache';
import type { TxtResolver } from './txt-resolver';

const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const RECORD = formatDkimRecord(publicKey);
const NAME = 'cb._domainkey.callbacks.test';

/** A resolver whose answers the test releases by hand, counting queries. */
function scriptedResolver(answer: (name: string) => string[][] | Error) {
  const queries: string[] = [];
  const resolver: TxtResolver = {
    resolveTxt: async (name) => {
      queries.push(name);
      const result = answer(name);
      if (result instanceof Error) throw result;
      return result;
    },
  };
  return { resolver, queries };
}
const dnsError = (code: string) => Object.assign(new Error(`queryTxt ${code}`), { code });

describe('PublicKeyCache', () => {
  it('joins the character-strings of a long record before parsing it', async () => {
    const { resolver } = scriptedResolver(() => [[RECORD.slice(0, 255), RECORD.slice(255)]]);
    const lookup = await new PublicKeyCache({ resolver }).lookup(NAME);
    expect(lookup.found && lookup.publicKey.equals(publicKey)).toBe(true);
  });

  it('skips records that are not key records, such as SPF', async () => {
    const { resolver } = scriptedResolver(() => [['v=spf1 -all'], [RECORD]]);
    expect(await new PublicKeyCache({ resolver }).lookup(NAME)).toMatchObject({ found: true });
  });

  it('keeps a found key until its TTL passes, then asks again', async () => {
    let clock = 0;
    const { resolver, queries } = scriptedResolver(() => [[RECORD]]);
    const cache = new PublicKeyCache({ resolver, ttlMs: 1000, now: () => clock });
    await cache.lookup(NAME);
    clock = 999;
    expect(cache.peek(NAME)).toMatchObject({ found: true });
    await cache.lookup(NAME);
    clock = 1000;
    expect(cache.peek(NAME)).toBeUndefined();
    await cache.lookup(NAME);
    expect(queries).toHaveLength(2);
  });

  it('remembers a missing key for the shorter miss TTL', async () => {
    let clock = 0;
    const { resolver, queries } = scriptedResolver(() => dnsError('ENOTFOUND'));
    const cache = new PublicKeyCache({ resolver, ttlMs: 60_000, missTtlMs: 100, now: () => clock });
    expect(await cache.lookup(NAME)).toEqual({ found: false, message: 'no TXT record at that name' });
    clock = 99;
    await cache.lookup(NAME);
    clock = 100;
    await cache.lookup(NAME);
    expect(queries).toHaveLength(2);
  });

  it('treats ENODATA and an empty answer as "no key", and a bad record as a miss with its reason', async () => {
    for (const answer of [dnsError('ENODATA'), [] as string[][]]) {
      expect(
        await new PublicKeyCache({ resolver: scriptedResolver(() => answer).resolver }).lookup(NAME),
      ).toMatchObject({ found: false });
    }
    const revoked = await new PublicKeyCache({ resolver: scriptedResolver(() => [['v=DKIM1; p=']]).resolver }).lookup(
      NAME,
    );
    expect(revoked).toEqual({ found: false, message: 'no usable key record: the key is revoked (empty p=)' });
  });

  it('shares one query among concurrent lookups of a name', async () => {
    let release: (records: string[][]) => void = () => undefined;
    const queries: string[] = [];
    const resolver: TxtResolver = {
      resolveTxt: (name) => {
        queries.push(name);
        return new Promise((resolve) => (release = resolve));
      },
    };
    const cache = new PublicKeyCache({ resolver });
    const lookups = [cache.lookup(NAME), cache.lookup(NAME), cache.lookup(NAME)];
    release([[RECORD]]);
    const results = await Promise.all(lookups);
    expect(queries).toEqual([NAME]);
    expect(results.every((r) => r.found)).toBe(true);
  });

  it('throws KeyLookupError for a failing server and does not cache the failure', async () => {
    let failing = true;
    const { resolver, queries } = scriptedResolver(() => (failing ? dnsError('ETIMEOUT') : [[RECORD]]));
    const cache = new PublicKeyCache({ resolver });
    await expect(cache.lookup(NAME)).rejects.toThrow(KeyLookupError);
    await expect(cache.lookup(NAME)).rejects.toThrow(/ETIMEOUT/);
    failing = false;
    expect(await cache.lookup(NAME)).toMatchObject({ found: true });
    expect(queries).toHaveLength(3);
  });

  it('drops the oldest names beyond maxEntries', async () => {
    const { resolver, queries } = scriptedResolver(() => [[RECORD]]);
    const cache = new PublicKeyCache({ resolver, maxEntries: 2 });
    for (const name of ['a', 'b', 'c', 'a']) await cache.lookup(`${name}._domainkey.callbacks.test`);
    expect(queries).toHaveLength(4);
    expect(cache.peek('c._domainkey.callbacks.test')).toBeDefined();
    expect(cache.peek('b._domainkey.callbacks.test')).toBeUndefined();
  });
});
