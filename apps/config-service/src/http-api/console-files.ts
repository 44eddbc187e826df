import { readdirSync, readFileSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/** The console loads only its own files; nothing inline but styles, no frames. */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

export interface ConsoleFile {
  type: string;
  body: Buffer;
  headers: Record<string, string>;
}

/**
 * The console's built files (a single-page app), read once at start-up: only the files of the
 * build are ever served, so no request path can reach outside it. Paths that are not files get
 * index.html, so every page of the app has its own URL (the app routes in the browser).
 */
export function consoleFiles(dir: string): (path: string) => ConsoleFile {
  const files = new Map<string, ConsoleFile>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = join(entry.parentPath, entry.name);
    const path = `/${relative(dir, full).split(sep).join('/')}`;
    // Vite names assets by their content hash: they never change under the same name.
    const cache = path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
    files.set(path, {
      type: TYPES[extname(full)] ?? 'application/octet-stream',
      body: readFileSync(full),
      headers: { 'cache-control': cache, ...SECURITY_HEADERS },
    });
  }
  const index = files.get('/index.html');
  if (!index) throw new Error(`${dir} holds no index.html`);
  return (path) => files.get(path) ?? index;
}
