import { generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { verifyRsaSha256 } from './rsa-sha256';

const pairs = [2048, 3072, 4096].map((modulusLength) => generateKeyPairSync('rsa', { modulusLength }));
const pss = generateKeyPairSync('rsa-pss', { modulusLength: 2048 });

/** What a forger or a broken sender can do to a signature. */
const mutation = fc.oneof(
  fc.constant((s: Buffer) => s),
  fc.nat().map((at) => (s: Buffer) => flip(s, at % s.length)),
  fc.constant((s: Buffer) => s.subarray(1)), // one byte short
  fc.constant((s: Buffer) => Buffer.concat([Buffer.from([0]), s])), // one byte long
  fc.constant((s: Buffer) => Buffer.alloc(s.length, 0xff)), // above the modulus
  fc.constant((s: Buffer) => Buffer.alloc(s.length)), // zero
  fc.constant(() => Buffer.alloc(0)),
  fc.uint8Array({ minLength: 1, maxLength: 600 }).map((bytes) => () => Buffer.from(bytes)),
);

function flip(bytes: Buffer, at: number): Buffer {
  const copy = Buffer.from(bytes);
  copy[at] = copy[at]! ^ 0x01;
  return copy;
}

function sameVerdict(data: Uint8Array, publicKey: KeyObject, signature: Buffer) {
  let expected: boolean;
  try {
    expected = verify('sha256', data, publicKey, signature);
  } catch {
    expected = false;
  }
  expect(verifyRsaSha256(data, publicKey, signature)).toBe(expected);
  return expected;
}

describe('verifyRsaSha256', () => {
  it('accepts exactly what crypto.verify accepts, for every key size and any damage to the signature', () => {
    let accepted = 0;
    fc.assert(
      fc.property(fc.constantFrom(...pairs), fc.uint8Array({ maxLength: 512 }), mutation, fc.boolean(), (pair, data, damage, otherData) => {
        const signature = damage(sign('sha256', data, pair.privateKey));
        const checked = otherData ? Buffer.concat([Buffer.from(data), Buffer.from('x')]) : data;
        if (sameVerdict(checked, pair.publicKey, signature)) accepted++;
      }),
      { numRuns: 300 },
    );
    expect(accepted).toBeGreaterThan(0); // the property saw valid signatures too
  });

  it('refuses a signature with its leading zero byte dropped, as crypto.verify does', () => {
    const { privateKey, publicKey } = pairs[0]!;
    let leadingZero: { data: Buffer; signature: Buffer } | undefined;
    for (let i = 0; leadingZero === undefined; i++) {
      const data = Buffer.from(`message ${i}`);
      const signature = sign('sha256', data, privateKey);
      if (signature[0] === 0) leadingZero = { data, signature };
    }
    expect(sameVerdict(leadingZero.data, publicKey, leadingZero.signature)).toBe(true);
    expect(sameVerdict(leadingZero.data, publicKey, leadingZero.signature.subarray(1))).toBe(false);
  });

  it('leaves keys that are not plain RSA to crypto.verify', () => {
    const data = Buffer.from('pss');
    const signature = sign('sha256', data, pss.privateKey);
    expect(verifyRsaSha256(data, pss.publicKey, signature)).toBe(verify('sha256', data, pss.publicKey, signature));
    expect(verifyRsaSha256(data, pairs[0]!.publicKey, signature)).toBe(false);
  });
});
