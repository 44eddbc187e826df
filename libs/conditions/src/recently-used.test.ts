import { describe, expect, it } from 'vitest';
import { RecentlyUsed } from './recently-used';

describe('RecentlyUsed', () => {
  it('forgets the least recently used keys once their characters exceed the bound', () => {
    const cache = new RecentlyUsed<number>(6);
    cache.set('aa', 1);
    cache.set('bb', 2);
    cache.set('cc', 3);
    expect(cache.get('aa')).toBe(1); // now the most recent
    cache.set('dd', 4);
    expect([cache.get('bb'), cache.get('cc'), cache.get('aa'), cache.get('dd')]).toEqual([undefined, 3, 1, 4]);
  });

  it('replaces a value without counting its key twice, and keeps no key longer than the bound', () => {
    const cache = new RecentlyUsed<number>(4);
    cache.set('ab', 1);
    cache.set('ab', 2);
    cache.set('cd', 3);
    expect([cache.get('ab'), cache.get('cd')]).toEqual([2, 3]);
    cache.set('toolong', 4);
    expect([cache.get('toolong'), cache.get('ab'), cache.get('cd')]).toEqual([undefined, 2, 3]);
  });
});
