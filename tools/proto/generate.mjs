#!/usr/bin/env node
// Regenerates libs/proto from proto/ (ts-proto through buf, plus descriptor sets for gRPC
// server reflection: ours and grpc.health.v1's). With --check, generates into a temporary folder and fails when the
// committed code differs, so CI catches a .proto edited without regenerating.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, cpSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const committed = join(root, 'libs/proto/src/gen');
const check = process.argv.includes('--check');
const buf = join(root, 'node_modules/.bin/buf');

function run(args, cwd = root) {
  execFileSync(buf, args, { cwd, stdio: 'inherit' });
}

function listFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

run(['lint', 'proto']);
const out = mkdtempSync(join(tmpdir(), 'callbacks-proto-'));
try {
  run(['generate', 'proto', '--template', 'proto/buf.gen.yaml', '-o', out]);
  const fresh = join(out, 'libs/proto/src/gen');
  // A descriptor set of every file, for grpc.reflection; source info left out so it is stable.
  run(['build', 'proto', '--exclude-source-info', '-o', join(fresh, 'descriptor.binpb')]);
  // The health service's descriptor, built by buf from the .proto that grpc-health-check serves:
  // proto-loader's re-generated one names the map entry of HealthListResponse wrongly, and
  // grpcurl then refuses the whole service.
  run(['build', 'node_modules/grpc-health-check/proto', '--exclude-source-info', '-o', join(fresh, 'health.binpb')]);

  if (check) {
    const a = listFiles(committed);
    const b = listFiles(fresh);
    const drift = [...new Set([...a, ...b])].filter(
      (file) =>
        !a.includes(file) ||
        !b.includes(file) ||
        !readFileSync(join(committed, file)).equals(readFileSync(join(fresh, file))),
    );
    if (drift.length > 0) {
      console.error(`generated code is out of date (run npm run proto:generate):\n  ${drift.join('\n  ')}`);
      process.exitCode = 1;
    } else {
      console.log(`generated code is up to date (${a.length} files)`);
    }
  } else {
    rmSync(committed, { recursive: true, force: true });
    mkdirSync(committed, { recursive: true });
    cpSync(fresh, committed, { recursive: true });
    console.log(`generated ${listFiles(committed).length} files into ${relative(root, committed)}`);
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
