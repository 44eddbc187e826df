import { describe, expect, it } from 'vitest';
import { isUnderDomain, keyIdFor, parseKeyId } from './key-id';

describe('key ids', () => {
  it('splits a DKIM key name into selector and domain, case- and trailing-dot-insensitively', () => {
    expect(keyIdFor('cb-2025-06', 'callbacks.example.com')).toBe('cb-2025-06._domainkey.callbacks.example.com');
    expect(parseKeyId('CB-2025-06._DomainKey.Callbacks.Example.com.')).toEqual({
      name: 'cb-2025-06._domainkey.callbacks.example.com',
      selector: 'cb-2025-06',
      domain: 'callbacks.example.com',
    });
  });

  it.each([
    'callbacks.example.com',
    '._domainkey.example.com',
    'cb._domainkey.',
    'cb._domainkey.exa mple.com',
    `${'a'.repeat(64)}._domainkey.example.com`,
  ])('refuses %j', (keyId) => {
    expect(parseKeyId(keyId)).toBeUndefined();
  });

  it('accepts the allowed domain and its subdomains, whole labels only', () => {
    expect(isUnderDomain('example.com', 'example.com')).toBe(true);
    expect(isUnderDomain('keys.example.com', 'example.com')).toBe(true);
    expect(isUnderDomain('evilexample.com', 'example.com')).toBe(false);
    expect(isUnderDomain('example.com.evil.test', 'example.com')).toBe(false);
  });
});
