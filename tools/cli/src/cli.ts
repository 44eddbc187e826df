import { text } from 'node:stream/consumers';
import { main } from './main';

// npm runs scripts from the workspace root; INIT_CWD is where the user typed the command, which
// is what file names on the command line are relative to.
const cwd = process.env['INIT_CWD'] ?? process.cwd();

// `callbacks callbacks list | head` closes stdout early: that ends the command, it is no error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(process.exitCode ?? 0);
});

process.exitCode = await main(process.argv.slice(2), {
  stdout: (chunk) => process.stdout.write(chunk),
  stderr: (chunk) => process.stderr.write(chunk),
  stderrIsTTY: process.stderr.isTTY === true,
  cwd,
  env: process.env,
  readStdin: () => text(process.stdin),
  now: Date.now,
}).catch((error: unknown) => {
  // main() turns every expected failure into an exit code; this is a bug (or the key tool's).
  process.stderr.write(`callbacks: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`);
  return 1;
});
