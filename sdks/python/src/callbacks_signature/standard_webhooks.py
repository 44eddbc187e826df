"""Standard Webhooks: v1 (HMAC-SHA256 with a `whsec_` secret) and v1a (ed25519 with a `whpk_` key),
both over `<id>.<timestamp>.<body>`."""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Callable, Iterable, Mapping, Optional, Union

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from .result import REPEATED, HeaderValue, Rejected, Result, Verified, header_lookup, strict_b64decode


class StandardWebhooksVerifier:
    """`verify(headers, body)` -> Verified(key_id="v1" or "v1a", delivery_id) or Rejected(reason, message).

    Give `secret` (v1), `public_key` (v1a) or both; a list of them while a rotation overlaps.
    """

    def __init__(
        self,
        secret: Optional[Union[str, Iterable[str]]] = None,
        tolerance_seconds: int = 300,
        now: Callable[[], float] = time.time,
        public_key: Optional[Union[str, Iterable[str]]] = None,
    ) -> None:
        secrets = [] if secret is None else [secret] if isinstance(secret, str) else list(secret)
        self._keys = []
        for index, value in enumerate(secrets):
            key = strict_b64decode(value[len("whsec_") :] if value.startswith("whsec_") else value)
            if not key:
                # The message names the position, never the secret.
                raise ValueError(f"StandardWebhooksVerifier: secret[{index}] is not whsec_<base64>")
            self._keys.append(key)
        keys = [] if public_key is None else [public_key] if isinstance(public_key, str) else list(public_key)
        self._public_keys = []
        for index, value in enumerate(keys):
            raw = strict_b64decode(value[len("whpk_") :] if value.startswith("whpk_") else value)
            if raw is None or len(raw) != 32:
                raise ValueError(f"StandardWebhooksVerifier: public_key[{index}] is not whpk_<base64 of 32 bytes>")
            self._public_keys.append(Ed25519PublicKey.from_public_bytes(raw))
        if not self._keys and not self._public_keys:
            raise ValueError("StandardWebhooksVerifier: give a secret (v1) or a public_key (v1a)")
        self._tolerance = tolerance_seconds
        self._now = now

    def verify(self, headers: Mapping[str, HeaderValue], body: bytes) -> Result:
        header = header_lookup(headers)
        values = {}
        for name in ("webhook-id", "webhook-timestamp", "webhook-signature"):
            value = header(name)
            if not value:
                return Rejected("missing_header", f"the {name} header is missing")
            if value is REPEATED:
                return Rejected("duplicate_header", f"the {name} header appears more than once")
            values[name] = value
        timestamp = values["webhook-timestamp"]
        if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
            return Rejected("bad_date", "webhook-timestamp is not unix seconds")
        skew = int(timestamp) - int(self._now())
        if abs(skew) > self._tolerance:
            direction = "ahead of" if skew > 0 else "behind"
            return Rejected(
                "stale_date",
                f"webhook-timestamp is {abs(skew)} s {direction} this clock (window {self._tolerance} s)",
            )
        entries = []
        for entry in values["webhook-signature"].split(" "):
            version, comma, text = entry.partition(",")
            signature = strict_b64decode(text) if comma else None
            if signature is not None:
                entries.append((version, signature))
        if not entries:
            return Rejected("bad_signature_header", 'webhook-signature has no "<version>,<base64>" entry')
        v1 = [signature for version, signature in entries if version == "v1"] if self._keys else []
        v1a = [signature for version, signature in entries if version == "v1a"] if self._public_keys else []
        if not v1 and not v1a:
            return Rejected("unsupported_algorithm", "webhook-signature carries no entry this receiver has a key for")
        signed = f"{values['webhook-id']}.{timestamp}.".encode() + body
        for key in self._keys:
            expected = hmac.new(key, signed, hashlib.sha256).digest()
            if any(hmac.compare_digest(expected, signature) for signature in v1):
                return Verified(key_id="v1", delivery_id=values["webhook-id"])
        for public_key in self._public_keys:
            for signature in v1a:
                try:
                    public_key.verify(signature, signed)
                    return Verified(key_id="v1a", delivery_id=values["webhook-id"])
                except InvalidSignature:
                    continue
        return Rejected("bad_signature", "no webhook-signature entry verifies with the configured keys")
