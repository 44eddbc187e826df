"""The original product's scheme (draft-cavage rsa-sha256, the public key in DNS as a DKIM record).

The checks and their reason codes follow the JavaScript library (SPEC §7.3) in the same order,
cheapest first: headers, Date window, account, keyId domain, Digest, the DNS key, the signature.
"""

from __future__ import annotations

import base64
import hashlib
import re
import threading
import time
from email.utils import parsedate_to_datetime
from typing import Callable, Iterable, List, Mapping, Optional, Sequence

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from .result import REPEATED, HeaderValue, Rejected, Result, Verified, header_lookup, strict_b64decode

#: Returns the TXT records at a name, each as its list of character-strings; [] when there are none.
#: Raise any exception for a lookup that failed (timeout, SERVFAIL): that is `key_lookup_failed`.
TxtResolver = Callable[[str], Sequence[Sequence[str]]]

REQUEST_TARGET = "(request-target)"
REQUIRED_SIGNED_HEADERS = (REQUEST_TARGET, "host", "date", "x-copernica-id", "digest")
MIN_RSA_BITS = 2048
_IMF_FIXDATE = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$")
_PARAM = re.compile(r'\s*([A-Za-z]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*(?:,|$)')
_LABEL = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")


def dns_txt_resolver(nameservers: Optional[Sequence[str]] = None, timeout: float = 2.0) -> TxtResolver:
    """The default resolver, on dnspython (`pip install callbacks-signature[dns]`).

    `nameservers` ("ip" or "ip:port") replace the system's; a record too big for UDP is fetched
    over TCP, as 3072- and 4096-bit keys need.
    """
    try:
        import dns.resolver
    except ImportError as error:
        raise RuntimeError(
            "dnspython is not installed: pip install 'callbacks-signature[dns]', or pass resolver=<function>"
        ) from error

    resolver = dns.resolver.Resolver(configure=nameservers is None)
    if nameservers is not None:
        resolver.nameservers = [server.rsplit(":", 1)[0] if server.count(":") == 1 else server for server in nameservers]
        ports = {server.rsplit(":", 1)[1] for server in nameservers if server.count(":") == 1}
        if len(ports) > 1:
            raise ValueError("dns_txt_resolver: all name servers must use one port")
        if ports:
            resolver.port = int(ports.pop())

    def resolve(name: str) -> List[List[str]]:
        try:
            answer = resolver.resolve(name, "TXT", lifetime=timeout)
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return []
        return [[part.decode("ascii", "replace") for part in record.strings] for record in answer]

    return resolve


class CopernicaVerifier:
    """`verify(method, path, headers, body)` -> Verified(key_id) or Rejected(reason, message)."""

    def __init__(
        self,
        account_id: str,
        allowed_domains: Iterable[str],
        resolver: Optional[TxtResolver] = None,
        date_window_seconds: int = 60,
        cache_ttl_seconds: float = 600.0,
        now: Callable[[], float] = time.time,
    ) -> None:
        self._account = f"account_{account_id}"
        self._domains = [d.strip().lower().rstrip(".") for d in allowed_domains]
        if not self._domains or "" in self._domains:
            raise ValueError("CopernicaVerifier: allowed_domains must list at least one domain")
        self._resolver = resolver if resolver is not None else dns_txt_resolver()
        self._window = date_window_seconds
        self._ttl = cache_ttl_seconds
        self._now = now
        self._cache: dict = {}
        self._lock = threading.Lock()

    def verify(self, method: str, path: str, headers: Mapping[str, HeaderValue], body: bytes) -> Result:
        """`path` is the request target as on the request line; `body` the raw bytes, before parsing."""
        header = header_lookup(headers)
        signature_header = header("signature")
        if signature_header is None:
            return Rejected("missing_header", "the Signature header is missing")
        if signature_header is REPEATED:
            return Rejected("duplicate_header", "the Signature header appears more than once")
        params = _parse_signature_header(signature_header)
        if isinstance(params, Rejected):
            return params
        key_id, algorithm, names, signature_text = params
        signature = strict_b64decode(signature_text)
        if signature is None:
            return Rejected("bad_signature_header", "the signature parameter is not base64")
        if algorithm is None or algorithm.lower() != "rsa-sha256":
            return Rejected("unsupported_algorithm", f"algorithm {algorithm or ''!r} is not rsa-sha256")
        if names is None:
            return Rejected("missing_signed_header", "the Signature header has no headers parameter")
        for required in REQUIRED_SIGNED_HEADERS:
            if required not in names:
                return Rejected("missing_signed_header", f"{required} is not among the signed headers")
        if len(set(names)) != len(names):
            return Rejected("bad_signature_header", "the signed headers list a header twice")
        pseudo = [n for n in names if n.startswith("(") and n != REQUEST_TARGET]
        if pseudo:
            return Rejected("bad_signature_header", f"unsupported pseudo-header {pseudo[0]} in the signed headers")

        lines = []
        values = {}
        for name in names:
            if name == REQUEST_TARGET:
                lines.append(f"{REQUEST_TARGET}: {method.lower()} {path}")
                continue
            value = header(name)
            if value is None:
                return Rejected("missing_header", f"the signed header {name} is missing")
            if value is REPEATED:
                return Rejected("duplicate_header", f"the signed header {name} appears more than once")
            values[name] = value
            lines.append(f"{name}: {value}")

        date = values["date"]
        if not _IMF_FIXDATE.match(date):
            return Rejected("bad_date", "the Date header is not an IMF-fixdate")
        try:
            sent = parsedate_to_datetime(date).timestamp()
        except (TypeError, ValueError):
            return Rejected("bad_date", "the Date header is not an IMF-fixdate")
        skew = sent - self._now()
        if abs(skew) > self._window:
            direction = "ahead of" if skew > 0 else "behind"
            return Rejected(
                "stale_date", f"the Date header is {round(abs(skew))} s {direction} this clock (window {self._window} s)"
            )

        if values["x-copernica-id"] != self._account:
            return Rejected("wrong_account", "X-Copernica-ID is not this account")

        domain = _key_domain(key_id)
        if domain is None:
            return Rejected("bad_key_id", f"keyId {key_id!r} is not <selector>._domainkey.<domain>")
        if not any(domain == d or domain.endswith("." + d) for d in self._domains):
            return Rejected("key_domain_not_allowed", f"keyId {key_id!r} is not under an allowed domain")

        claimed = _sha256_from_digest(values["digest"])
        if claimed is None:
            return Rejected("bad_digest_header", "the Digest header carries no single SHA-256 value")
        if claimed != base64.b64encode(hashlib.sha256(body).digest()).decode("ascii"):
            return Rejected("digest_mismatch", "the Digest header does not match the body")

        try:
            key = self._public_key(key_id.lower())
        except Exception as error:  # the resolver's own failure: DNS trouble, not the request's
            return Rejected("key_lookup_failed", f"DNS lookup of the public key {key_id!r} failed: {error}")
        if isinstance(key, str):
            return Rejected("unknown_key", f"no key for {key_id}: {key}")
        try:
            # Latin-1: header values are visible ASCII; this gives back the bytes that were sent.
            key.verify(signature, "\n".join(lines).encode("latin-1"), padding.PKCS1v15(), hashes.SHA256())
        except (InvalidSignature, UnicodeEncodeError):
            return Rejected("bad_signature", f"the signature does not verify with {key_id}")
        return Verified(key_id=key_id)

    def _public_key(self, name: str):
        """The RSA key at `name`, or a string saying why there is none; cached for `cache_ttl_seconds`."""
        with self._lock:
            cached = self._cache.get(name)
            if cached and cached[0] > self._now():
                return cached[1]
        records = self._resolver(name)
        found = _key_from_records(records)
        with self._lock:
            if len(self._cache) >= 1000:
                self._cache.clear()
            self._cache[name] = (self._now() + self._ttl, found)
        return found


def _parse_signature_header(value: str):
    params = {}
    position = 0
    while position < len(value):
        match = _PARAM.match(value, position)
        if not match or match.end() == position:
            return Rejected("bad_signature_header", f"the Signature header cannot be parsed at offset {position}")
        name = match.group(1).lower()
        text = match.group(2)
        text = re.sub(r"\\(.)", r"\1", text) if text is not None else match.group(3)
        if name in params:
            return Rejected("bad_signature_header", f"parameter {name} appears more than once")
        params[name] = text
        position = match.end()
    key_id, signature = params.get("keyid"), params.get("signature")
    if not key_id:
        return Rejected("bad_signature_header", "keyId is missing or empty")
    if not signature:
        return Rejected("bad_signature_header", "signature is missing or empty")
    headers = params.get("headers")
    names = headers.lower().split() if headers is not None else None
    return key_id, params.get("algorithm"), names, signature


def _key_domain(key_id: str) -> Optional[str]:
    """The domain of `<selector>._domainkey.<domain>` (the selector may have dots), or None."""
    name = key_id.lower()
    name = name[:-1] if name.endswith(".") else name
    if len(name) > 253 or not all(_LABEL.match(label) for label in name.split(".")):
        return None
    at = name.find("._domainkey.")
    if at <= 0:
        return None
    return name[at + len("._domainkey.") :] or None


def _sha256_from_digest(value: str) -> Optional[str]:
    found = None
    for part in value.split(","):
        name, eq, digest = part.partition("=")
        if not eq or name.strip().lower() != "sha-256":
            continue
        if found is not None:
            return None
        found = digest.strip()
    return found


def _key_from_records(records: Sequence[Sequence[str]]):
    """The first usable DKIM RSA key among TXT records (strings joined), or why there is none."""
    problem = "no TXT record"
    for strings in records:
        tags = {}
        for part in "".join(strings).split(";"):
            name, eq, value = part.partition("=")
            if eq:
                tags[name.strip()] = value.strip()
        if tags.get("v", "DKIM1") != "DKIM1":
            problem = "not a DKIM1 record"
            continue
        if tags.get("k", "rsa") != "rsa":
            problem = "not an RSA key"
            continue
        p = re.sub(r"\s+", "", tags.get("p", ""))
        if not p:
            problem = "the key is revoked (empty p=)"
            continue
        try:
            der = base64.b64decode(p + "=" * (-len(p) % 4))
            try:
                key = serialization.load_der_public_key(der)
            except ValueError:
                # A bare PKCS#1 RSAPublicKey, as some publishers write it.
                key = serialization.load_der_public_key(_spki_from_pkcs1(der))
        except (ValueError, TypeError):
            problem = "p= is not an RSA public key"
            continue
        if not isinstance(key, rsa.RSAPublicKey):
            problem = "not an RSA key"
            continue
        if key.key_size < MIN_RSA_BITS:
            problem = f"the key has {key.key_size} bits, under {MIN_RSA_BITS}"
            continue
        return key
    return problem


def _spki_from_pkcs1(der: bytes) -> bytes:
    algorithm = bytes.fromhex("300d06092a864886f70d0101010500")
    bit_string = b"\x03" + _der_length(len(der) + 1) + b"\x00" + der
    body = algorithm + bit_string
    return b"\x30" + _der_length(len(body)) + body


def _der_length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    octets = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(octets)]) + octets


