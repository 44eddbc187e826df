import { describe, expect, it } from 'vitest';
import { digestHeaderValue, sha256FromDigestHeader } from './digest';

describe('Digest header', () => {
  it('is the base64 SHA-256 of the raw bytes, named in lower case as the original product sends it', () => {
    expect(digestHeaderValue(Buffer.alloc(0))).toBe('sha-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=');
    expect(digestHeaderValue(Buffer.from('{"hello": "world"}'))).toBe(
      'sha-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=',
    );
  });

  it('reads the SHA-256 value from a list, with any algorithm case and spacing', () => {
    expect(sha256FromDigestHeader('sha-256=abc=')).toBe('abc=');
    expect(sha256FromDigestHeader('SHA-256=abc=')).toBe('abc=');
    expect(sha256FromDigestHeader('Sha-256=abc=')).toBe('abc=');
    expect(sha256FromDigestHeader('MD5=xyz==, sha-256= abc=')).toBe('abc=');
  });

  it('reads nothing when SHA-256 is absent or given twice', () => {
    expect(sha256FromDigestHeader('MD5=xyz==')).toBeUndefined();
    expect(sha256FromDigestHeader('')).toBeUndefined();
    expect(sha256FromDigestHeader('SHA-256=a, SHA-256=b')).toBeUndefined();
  });
});
