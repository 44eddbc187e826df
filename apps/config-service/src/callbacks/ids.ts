import { randomBytes } from 'node:crypto';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A new callback id: `cb_` + a ULID (48-bit millisecond time + 80 random bits, Crockford
 * base32). Ids sort by creation time, so lists ordered by id read oldest first, and page
 * tokens can be a plain "after this id".
 */
export function newCallbackId(now: Date = new Date()): string {
  let time = now.getTime();
  let timePart = '';
  for (let i = 0; i < 10; i++) {
    timePart = CROCKFORD[time % 32] + timePart;
    time = Math.floor(time / 32);
  }
  const random = randomBytes(10);
  let bits = 0n;
  for (const byte of random) bits = (bits << 8n) | BigInt(byte);
  let randomPart = '';
  for (let i = 0; i < 16; i++) {
    randomPart = CROCKFORD[Number(bits & 31n)] + randomPart;
    bits >>= 5n;
  }
  return `cb_${timePart}${randomPart}`;
}
