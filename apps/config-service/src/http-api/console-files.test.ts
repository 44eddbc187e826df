import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { consoleFiles } from './console-files';

const dir = mkdtempSync(join(tmpdir(), 'console-'));
mkdirSync(join(dir, 'assets'));
writeFileSync(join(dir, 'index.html'), '<!doctype html><title>console</title>');
writeFileSync(join(dir, 'assets', 'index-abc.js'), 'console.log(1)');
writeFileSync(join(tmpdir(), 'outside.txt'), 'secret');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('consoleFiles', () => {
  const serve = consoleFiles(dir);

  it('serves the build with its content type, assets cached for good', () => {
    const asset = serve('/assets/index-abc.js');
    expect(asset.type).toBe('text/javascript; charset=utf-8');
    expect(asset.body.toString()).toBe('console.log(1)');
    expect(asset.headers['cache-control']).toContain('immutable');
    expect(serve('/index.html').headers['cache-control']).toBe('no-cache');
  });

  it('answers index.html for the pages of the app and for anything outside the build', () => {
    for (const path of [
      '/',
      '/callbacks/cb_1/deliveries',
      '/../outside.txt',
      '/assets/../../outside.txt',
      '/%2e%2e/outside.txt',
    ]) {
      expect(serve(path).body.toString(), path).toContain('<title>console</title>');
    }
  });

  it('refuses a folder without index.html', () => {
    expect(() => consoleFiles(join(dir, 'assets'))).toThrow(/index.html/);
  });
});
