/**
 * Key ids are DNS names, as for DKIM: `<selector>._domainkey.<domain>`; the TXT record at that
 * name holds the public key (SPEC §7.2).
 */

const DOMAINKEY = '._domainkey.';
const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

export function keyIdFor(selector: string, domain: string): string {
  return `${selector}${DOMAINKEY}${domain}`;
}

export interface KeyIdParts {
  /** The whole key id, lowercased and without a trailing dot: the DNS name to query. */
  readonly name: string;
  readonly selector: string;
  readonly domain: string;
}

/** Splits a key id into selector and domain, or `undefined` when it is not a plausible DNS name of that form. */
export function parseKeyId(keyId: string): KeyIdParts | undefined {
  const name = (keyId.endsWith('.') ? keyId.slice(0, -1) : keyId).toLowerCase();
  if (name.length > 253 || !isDnsName(name)) return undefined;
  const at = name.indexOf(DOMAINKEY);
  if (at <= 0) return undefined;
  const domain = name.slice(at + DOMAINKEY.length);
  if (domain === '') return undefined;
  return { name, selector: name.slice(0, at), domain };
}

/** True when `domain` is `allowed` or a subdomain of it; labels are compared whole, so `evilexample.com` is not under `example.com`. */
export function isUnderDomain(domain: string, allowed: string): boolean {
  return domain === allowed || domain.endsWith(`.${allowed}`);
}

/** Lowercases a configured domain and drops a trailing dot, so comparisons see one spelling. */
export function normalizeDomain(domain: string): string {
  const lower = domain.trim().toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

export function isDnsName(name: string): boolean {
  return name.split('.').every((label) => LABEL.test(label));
}
