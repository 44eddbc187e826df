import { Resolver } from 'node:dns/promises';

/**
 * What the verifier needs from DNS: the TXT records at a name, each as its character-strings
 * (the shape of `dns.promises.Resolver#resolveTxt`, so a Node `Resolver` plugs in as it is).
 * "No such record" is an empty list or an error with code `ENOTFOUND` or `ENODATA`; any other
 * error counts as a failed lookup.
 */
export interface TxtResolver {
  resolveTxt(name: string): Promise<string[][]>;
}

export interface DnsResolverOptions {
  /** Name servers as `ip` or `ip:port`; default the system's. */
  readonly servers?: readonly string[];
  /** Per-attempt timeout in milliseconds; default 2000. */
  readonly timeoutMs?: number;
  /** Attempts per server; default 2. */
  readonly tries?: number;
}

/** A `node:dns` resolver for public keys, with its own servers and timeouts. */
export function createDnsResolver(options: DnsResolverOptions = {}): TxtResolver {
  const resolver = new Resolver({ timeout: options.timeoutMs ?? 2000, tries: options.tries ?? 2 });
  if (options.servers) resolver.setServers([...options.servers]);
  return resolver;
}

/** True when a resolver error means the name or its TXT records do not exist. */
export function isNoSuchRecord(error: unknown): boolean {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return code === 'ENOTFOUND' || code === 'ENODATA';
}
