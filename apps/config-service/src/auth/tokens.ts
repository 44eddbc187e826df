import { createHash } from 'node:crypto';
import { isId } from '@callbacks/domain';

/** Who is calling, and which accounts they may touch. */
export interface Principal {
  readonly name: string;
  /** `'*'`: every account (internal services such as the matcher). */
  readonly accounts: '*' | ReadonlySet<string>;
}

/** The config service acting on its own behalf (disabling a failing callback): every account. */
export const SERVICE_PRINCIPAL: Principal = { name: 'config-service', accounts: '*' };

export interface TokenEntry {
  name: string;
  /** SHA-256 of the token, hex: the token itself is never configured or stored. */
  sha256: string;
  accounts: '*' | string[];
}

/** Parses CONFIG_TOKENS: `[{"name":"crm","sha256":"<hex>","accounts":["42"]}, {"name":"matcher","sha256":"<hex>","accounts":"*"}]`. */
export function parseTokens(raw: string): TokenEntry[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Error('expected a JSON list of {"name","sha256","accounts"}');
  }
  if (!Array.isArray(parsed) || parsed.length === 0) throw new Error('expected a non-empty JSON list of tokens');
  const names = new Set<string>();
  return parsed.map((entry: unknown, i) => {
    const e = entry as Partial<Record<keyof TokenEntry, unknown>>;
    if (typeof e !== 'object' || e === null) throw new Error(`token ${i}: expected an object`);
    if (typeof e.name !== 'string' || e.name === '') throw new Error(`token ${i}: "name" must be a non-empty string`);
    if (names.has(e.name)) throw new Error(`token ${i}: duplicate name ${JSON.stringify(e.name)}`);
    names.add(e.name);
    if (typeof e.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(e.sha256)) {
      throw new Error(
        `token ${JSON.stringify(e.name)}: "sha256" must be 64 lower-case hex digits (sha256 of the token)`,
      );
    }
    let accounts: '*' | string[];
    if (e.accounts === '*') accounts = '*';
    else if (
      Array.isArray(e.accounts) &&
      e.accounts.length > 0 &&
      e.accounts.every((a) => typeof a === 'string' && isId(a))
    ) {
      accounts = e.accounts as string[];
    } else {
      throw new Error(`token ${JSON.stringify(e.name)}: "accounts" must be "*" or a non-empty list of account ids`);
    }
    return { name: e.name, sha256: e.sha256, accounts };
  });
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Looks callers up by the hash of their bearer token. */
export class TokenAuthenticator {
  private readonly byHash: Map<string, Principal>;

  constructor(entries: readonly TokenEntry[]) {
    this.byHash = new Map(
      entries.map((e) => [e.sha256, { name: e.name, accounts: e.accounts === '*' ? '*' : new Set(e.accounts) }]),
    );
  }

  authenticate(token: string): Principal | undefined {
    return this.byHash.get(hashToken(token));
  }
}

export function mayAccess(principal: Principal, accountId: string): boolean {
  return principal.accounts === '*' || principal.accounts.has(accountId);
}
