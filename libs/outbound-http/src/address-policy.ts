import ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;
type Cidr = [Address, number];

const cidr = (text: string): Cidr => ipaddr.parseCIDR(text);

/**
 * Where a delivery must never go (SPEC §7.6): this host, private networks, link-local (with the
 * cloud metadata endpoints), multicast, unspecified, and the special-purpose blocks. IPv6 forms
 * that embed an IPv4 address (mapped, NAT64, 6to4, Teredo) are judged by that IPv4 address.
 */
const BLOCKED_V4: Cidr[] = [
  '0.0.0.0/8', // "this network", unspecified
  '10.0.0.0/8', // private
  '100.64.0.0/10', // carrier-grade NAT
  '127.0.0.0/8', // loopback
  '169.254.0.0/16', // link-local, including 169.254.169.254 (cloud metadata)
  '172.16.0.0/12', // private
  '192.0.0.0/24', // IETF protocol assignments (192.0.0.192 is Oracle's metadata)
  '192.0.2.0/24', // documentation
  '192.88.99.0/24', // 6to4 relay anycast
  '192.168.0.0/16', // private
  '198.18.0.0/15', // benchmarking
  '198.51.100.0/24', // documentation
  '203.0.113.0/24', // documentation
  '224.0.0.0/4', // multicast
  '240.0.0.0/4', // reserved, and 255.255.255.255 broadcast
].map(cidr);

const BLOCKED_V6: Cidr[] = [
  '::/128', // unspecified
  '::1/128', // loopback
  '100::/64', // discard
  '2001:db8::/32', // documentation
  'fc00::/7', // unique local (includes fd00:ec2::254, AWS metadata)
  'fe80::/10', // link-local
  'fec0::/10', // deprecated site-local
  'ff00::/8', // multicast
].map(cidr);

const SIIT = cidr('::ffff:0:0:0/96'); // RFC 6145
const NAT64 = cidr('64:ff9b::/96'); // well-known prefix, RFC 6052
const NAT64_LOCAL = cidr('64:ff9b:1::/48'); // local use, RFC 8215
const SIX_TO_FOUR = cidr('2002::/16');
const TEREDO = cidr('2001::/32');
const IPV4_COMPATIBLE = cidr('::/96'); // deprecated ::a.b.c.d

/** The IPv4 address an IPv6 address stands for, where it embeds one. */
function embeddedV4(address: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  if (address.isIPv4MappedAddress()) return address.toIPv4Address(); // ::ffff:a.b.c.d
  const bytes = address.toByteArray();
  const v4 = (offset: number) => new ipaddr.IPv4(bytes.slice(offset, offset + 4));
  if (address.match(SIIT) || address.match(NAT64) || address.match(NAT64_LOCAL)) return v4(12);
  if (address.match(SIX_TO_FOUR)) return v4(2);
  // Teredo: the client's IPv4 address, inverted, in the last four bytes.
  if (address.match(TEREDO)) return new ipaddr.IPv4(bytes.slice(12, 16).map((b) => b ^ 0xff));
  if (address.match(IPV4_COMPATIBLE)) return v4(12);
  return undefined;
}

export class AddressPolicy {
  private readonly allowed: Cidr[];

  /** `allow`: CIDRs deliberately reachable despite the rules (internal receivers, tests). */
  constructor(allow: readonly string[] = []) {
    this.allowed = allow.map((text) => {
      try {
        if (text.includes('/')) return cidr(text);
        const address = ipaddr.parse(text);
        return [address, address.kind() === 'ipv4' ? 32 : 128] as Cidr;
      } catch {
        throw new Error(`not a CIDR or IP address: ${JSON.stringify(text)}`);
      }
    });
  }

  /** Why an address is refused, or undefined when a delivery may connect to it. */
  refusal(text: string): string | undefined {
    let address: Address;
    try {
      address = ipaddr.parse(text);
    } catch {
      return `not an IP address: ${text}`;
    }
    if (this.allowed.some(([range, bits]) => address.kind() === range.kind() && address.match(range, bits)))
      return undefined;
    if (address.kind() === 'ipv6') {
      const v6 = address as ipaddr.IPv6;
      const v4 = embeddedV4(v6);
      if (v4) return this.refusal(v4.toString()) && `${text} embeds ${v4.toString()}, which is not a public address`;
      const blocked = BLOCKED_V6.find(([range, bits]) => v6.match(range, bits));
      return blocked ? `${text} is in ${blocked[0].toString()}/${blocked[1]}, which is not public` : undefined;
    }
    const v4 = address as ipaddr.IPv4;
    const blocked = BLOCKED_V4.find(([range, bits]) => v4.match(range, bits));
    return blocked ? `${text} is in ${blocked[0].toString()}/${blocked[1]}, which is not public` : undefined;
  }
}
