import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Installed binaries live in a per-user cache shared by every checkout (each binary is checked
 * against its pinned version before use), so a fresh clone reuses them when the cache survives.
 */
export const INFRA_DIR =
  process.env.CALLBACKS_INFRA_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'callbacks-infra');
export const BIN_DIR = join(INFRA_DIR, 'bin');
