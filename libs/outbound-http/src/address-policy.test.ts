import { describe, expect, it } from 'vitest';
import { AddressPolicy } from './address-policy';

const policy = new AddressPolicy();

describe('AddressPolicy', () => {
  it.each([
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', '"this network"'],
    ['10.0.0.1', 'RFC 1918'],
    ['172.16.0.1', 'RFC 1918'],
    ['172.31.255.255', 'RFC 1918'],
    ['192.168.1.1', 'RFC 1918'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['169.254.169.254', 'cloud metadata'],
    ['169.254.0.1', 'link-local'],
    ['192.0.0.192', 'Oracle metadata / IETF block'],
    ['192.0.2.1', 'documentation'],
    ['198.18.0.1', 'benchmarking'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'broadcast'],
    ['::', 'IPv6 unspecified'],
    ['::1', 'IPv6 loopback'],
    ['fe80::1', 'IPv6 link-local'],
    ['fc00::1', 'IPv6 unique local'],
    ['fd00:ec2::254', 'AWS IPv6 metadata'],
    ['ff02::1', 'IPv6 multicast'],
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
    ['::ffff:10.0.0.1', 'IPv4-mapped private'],
    ['::ffff:169.254.169.254', 'IPv4-mapped metadata'],
    ['64:ff9b::a00:1', 'NAT64 of 10.0.0.1'],
    ['64:ff9b::7f00:1', 'NAT64 of 127.0.0.1'],
    ['64:ff9b:1::a9fe:a9fe', 'local NAT64 of 169.254.169.254'],
    ['2002:7f00:1::1', '6to4 of 127.0.0.1'],
    ['2002:c0a8:101::1', '6to4 of 192.168.1.1'],
    ['2001:0:4136:e378:8000:63bf:80ff:fffe', 'Teredo of 127.0.0.1'],
    ['::7f00:1', 'IPv4-compatible 127.0.0.1'],
    ['2001:db8::1', 'IPv6 documentation'],
  ])('refuses %s (%s)', (address) => {
    expect(policy.refusal(address)).toBeDefined();
  });

  it.each([
    '93.184.216.34',
    '8.8.8.8',
    '1.1.1.1',
    '172.32.0.1',
    '100.128.0.1',
    '2606:4700:4700::1111',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
  ])('lets %s through', (address) => {
    expect(policy.refusal(address)).toBeUndefined();
  });

  it('lets an allow-listed range through, and only that range', () => {
    const allowing = new AddressPolicy(['127.0.0.1/32', '10.1.0.0/16', 'fd12::/16']);
    expect(allowing.refusal('127.0.0.1')).toBeUndefined();
    expect(allowing.refusal('10.1.2.3')).toBeUndefined();
    expect(allowing.refusal('fd12::5')).toBeUndefined();
    expect(allowing.refusal('127.0.0.2')).toBeDefined();
    expect(allowing.refusal('10.2.0.1')).toBeDefined();
    expect(allowing.refusal('::ffff:127.0.0.1')).toBeUndefined();
  });

  it('refuses what is not an address, and names a bad allow-list entry', () => {
    expect(policy.refusal('localhost')).toMatch(/not an IP address/);
    expect(() => new AddressPolicy(['10.0.0.0/33'])).toThrow(/10.0.0.0\/33/);
  });
});
