import { lookup as systemLookup, type LookupAddress, promises as dns } from 'node:dns';
import { isIP } from 'node:net';
import type { AddressPolicy } from './address-policy';

/** A delivery target that resolved to, or is, an address the policy refuses. */
export class BlockedAddressError extends Error {
  override readonly name = 'BlockedAddressError';
  readonly code = 'EBLOCKED';
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * The `lookup` handed to every outgoing connection: resolves the host, checks every address
 * against the policy, and gives the socket exactly the checked addresses. Checking and
 * connecting use the same answer, so a DNS server that answers differently the second time
 * (DNS rebinding) gains nothing. A host with any refused address is refused as a whole.
 */
export function guardedLookup(policy: AddressPolicy, servers?: readonly string[]) {
  let resolver: dns.Resolver | undefined;
  if (servers && servers.length > 0) {
    resolver = new dns.Resolver();
    resolver.setServers([...servers]);
  }

  async function resolve(hostname: string): Promise<LookupAddress[]> {
    if (isIP(hostname)) return [{ address: hostname, family: isIP(hostname) }];
    if (!resolver) {
      return new Promise((ok, fail) =>
        systemLookup(hostname, { all: true, verbatim: true }, (error, addresses) =>
          error ? fail(error) : ok(addresses),
        ),
      );
    }
    const settled = await Promise.allSettled([resolver.resolve4(hostname), resolver.resolve6(hostname)]);
    const addresses = settled.flatMap((s, i) =>
      s.status === 'fulfilled' ? s.value.map((address) => ({ address, family: i === 0 ? 4 : 6 })) : [],
    );
    if (addresses.length === 0) {
      const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      throw failure?.reason ?? Object.assign(new Error(`no addresses for ${hostname}`), { code: 'ENOTFOUND' });
    }
    return addresses;
  }

  return (hostname: string, options: { all?: boolean; family?: number | string }, callback: LookupCallback): void => {
    resolve(hostname).then(
      (addresses) => {
        for (const { address } of addresses) {
          const refusal = policy.refusal(address);
          if (refusal) return callback(new BlockedAddressError(`${hostname}: ${refusal}`), '', 0);
        }
        const family =
          options.family === 6 || options.family === 'IPv6'
            ? 6
            : options.family === 4 || options.family === 'IPv4'
              ? 4
              : 0;
        const usable = family === 0 ? addresses : addresses.filter((a) => a.family === family);
        const [first] = usable;
        if (!first)
          return callback(
            Object.assign(new Error(`${hostname} has no IPv${family} address`), { code: 'ENOTFOUND' }),
            '',
            0,
          );
        if (options.all) return callback(null, usable);
        callback(null, first.address, first.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    );
  };
}
