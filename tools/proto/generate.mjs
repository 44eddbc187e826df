#!/usr/bin/env node
// Regenerates libs/proto from proto/ (ts-proto through buf, the OpenAPI document of the HTTP/JSON
// API, plus descriptor sets for gRPC server reflection: ours and grpc.health.v1's). With --check,
// generates into a temporary folder and fails when the committed code differs, so CI catches a
// .proto edited without regenerating, and runs `buf breaking` against the previous commit.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const committed = join(root, 'libs/proto/src/gen');
const check = process.argv.includes('--check');
const buf = join(root, 'node_modules/.bin/buf');
// protoc-gen-openapi is a Go program installed pinned beside the servers (tools/infra).
const infraBin = join(
  process.env.CALLBACKS_INFRA_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'callbacks-infra'),
  'bin',
);
const env = { ...process.env, PATH: `${infraBin}${delimiter}${process.env.PATH ?? ''}` };

function run(args, cwd = root) {
  execFileSync(buf, args, { cwd, stdio: 'inherit', env });
}

if (!existsSync(join(infraBin, 'protoc-gen-openapi'))) {
  console.error(`protoc-gen-openapi is not installed in ${infraBin}: run npm run infra -- install --tools`);
  process.exit(1);
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
    breakingAgainstPreviousCommit();
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

/**
 * `buf breaking` (the FILE rules of proto/buf.yaml) against proto/ as the previous commit had it:
 * on main that is what was released before this change. Without a previous commit (the first
 * one, or a shallow clone of depth 1) there is nothing to compare with, and it says so.
 */
function breakingAgainstPreviousCommit() {
  let previous;
  try {
    previous = execFileSync('git', ['rev-parse', '--verify', '--quiet', 'HEAD~1^{commit}'], {
      cwd: root,
      encoding: 'utf8',
    }).trim();
  } catch {
    console.log('buf breaking: skipped, there is no previous commit to compare with');
    return;
  }
  const gitDir = execFileSync('git', ['rev-parse', '--path-format=absolute', '--git-common-dir'], {
    cwd: root,
    encoding: 'utf8',
  }).trim();
  try {
    run(['breaking', 'proto', '--against', `${gitDir}#ref=${previous},subdir=proto`]);
  } catch {
    // buf has printed each breaking change above.
    console.error(`buf breaking: the contract breaks what ${previous.slice(0, 12)} (HEAD~1) published (see above)`);
    process.exitCode = 1;
    return;
  }
  console.log(`buf breaking: no breaking change against ${previous.slice(0, 12)} (HEAD~1)`);
}
