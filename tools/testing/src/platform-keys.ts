import { randomBytes } from 'node:crypto';

/** Environment variable holding the test platform key, as the ring names it. */
const KEY_VARIABLE = 'TEST_SECRET_KEY';

/**
 * A platform key ring (SPEC §8a) for a test's services, as they read it from the environment:
 * one fresh AES-256 key, or the ones given (to share a ring between services, or rotate it).
 */
export function platformKeyRingEnv(
  keys: readonly { id: string; created: string; key: string }[] = [
    { id: 'test-key', created: '2026-01-01T00:00:00Z', key: randomBytes(32).toString('base64') },
  ],
): Record<string, string> {
  const env: Record<string, string> = {};
  const ring = keys.map((k, i) => {
    env[`${KEY_VARIABLE}_${i}`] = k.key;
    return { id: k.id, created: k.created, keyEnv: `${KEY_VARIABLE}_${i}` };
  });
  return { ...env, SECRET_KEY_RING: JSON.stringify({ keys: ring }) };
}
