import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// Plain Vite (its own JSX transform, no plugins): the console is static files that the config
// service serves on the API's origin (CONFIG_CONSOLE_DIR), so it needs no dev proxy and no CORS.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: fileURLToPath(new URL('../../dist/apps/console', import.meta.url)),
    emptyOutDir: true,
    sourcemap: true,
  },
});
