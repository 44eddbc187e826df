import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** Installed binaries and local server data live here (ignored by git). */
export const INFRA_DIR = process.env.CALLBACKS_INFRA_DIR ?? join(ROOT, '.infra');
export const BIN_DIR = join(INFRA_DIR, 'bin');
