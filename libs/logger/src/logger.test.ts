import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, redactUrl } from './logger';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, destination };
}

describe('createLogger', () => {
  it('writes JSON lines with service, level, time and the mixin fields', async () => {
    const { lines, destination } = capture();
    const log = createLogger({ service: 'matcher', destination, mixin: () => ({ trace_id: 'abc' }) });
    log.info({ events: 3 }, 'matched');
    await new Promise((r) => setImmediate(r));
    expect(lines[0]).toMatchObject({ service: 'matcher', level: 'info', msg: 'matched', events: 3, trace_id: 'abc' });
    expect(typeof lines[0]!.time).toBe('string');
  });

  it('redacts secrets wherever they sit', async () => {
    const { lines, destination } = capture();
    const log = createLogger({ service: 't', destination });
    log.info(
      {
        token: 'tok-1',
        headers: { authorization: 'Bearer tok-2', signature: 'sig-3' },
        key: { privateKey: 'pem-4' },
        request: { headers: { authorization: 'Bearer tok-5' } },
      },
      'x',
    );
    await new Promise((r) => setImmediate(r));
    const text = JSON.stringify(lines);
    for (const secret of ['tok-1', 'tok-2', 'sig-3', 'pem-4', 'tok-5']) expect(text).not.toContain(secret);
    expect(text).toContain('[redacted]');
  });
});

describe('redactUrl', () => {
  it('drops user-info and keeps the rest', () => {
    expect(redactUrl('https://user:pw@example.com/hook?a=1')).toBe('https://example.com/hook?a=1');
    expect(redactUrl('https://example.com/hook')).toBe('https://example.com/hook');
    expect(redactUrl('not a url')).toBe('[unparseable url]');
  });
});
