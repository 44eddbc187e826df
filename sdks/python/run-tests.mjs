#!/usr/bin/env node
// The Python package's tests as a receiver would run them: a fresh venv in a temp folder,
// `pip install` of this folder, then unittest against the installed package (the src/ layout
// keeps the source tree off the import path). A delivery signed by the repository's signer is
// written first for test_delivery.py.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const python = process.env['PYTHON'] ?? 'python3';
const work = mkdtempSync(join(tmpdir(), 'callbacks-python-sdk-'));
const run = (command, args, options = {}) => execFileSync(command, args, { stdio: 'inherit', cwd: here, ...options });

try {
  // System site packages: an installed `cryptography` is used as is, so no download is needed for it.
  run(python, ['-m', 'venv', '--system-site-packages', join(work, 'venv')]);
  const venvPython = join(work, 'venv/bin/python');
  // Without build isolation when setuptools and wheel are at hand (offline, and faster); pip fetches it otherwise.
  let isolation = [];
  try {
    execFileSync(venvPython, ['-c', 'import setuptools, wheel'], { stdio: 'ignore' });
    isolation = ['--no-build-isolation'];
  } catch {
    isolation = [];
  }
  run(venvPython, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', ...isolation, here]);
  const delivery = join(work, 'delivery.json');
  run(process.execPath, ['--import', 'tsx', join(here, 'tests/make-delivery.ts'), delivery]);
  // From the temp folder, so `import callbacks_signature` can only find the installed package.
  run(venvPython, ['-m', 'unittest', 'discover', '-s', join(here, 'tests'), '-t', join(here, 'tests'), '-v'], {
    cwd: work,
    env: { ...process.env, CALLBACKS_DELIVERY: delivery },
  });
} finally {
  rmSync(work, { recursive: true, force: true });
}
