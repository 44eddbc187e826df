"""Standard Webhooks v1 (HMAC-SHA256 over `<id>.<timestamp>.<body>` with a `whsec_` secret)."""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Callable, Iterable, Mapping, Union

from .result import REPEATED, HeaderValue, Rejected, Result, Verified, header_lookup, strict_b64decode


class StandardWebhooksVerifier:
    """`verify(headers, body)` -> Verified(key_id="v1", delivery_id) or Rejected(reason, message)."""

    def __init__(
        self,
        secret: Union[str, Iterable[str]],
        tolerance_seconds: int = 300,
        now: Callable[[], float] = time.time,
    ) -> None:
        secrets = [secret] if isinstance(secret, str) else list(secret)
        self._keys = []
        for index, value in enumerate(secrets):
            key = strict_b64decode(value[len("whsec_") :] if value.startswith("whsec_") else value)
            if not key:
                # The message names the position, never the secret.
                raise ValueError(f"StandardWebhooksVerifier: secret[{index}] is not whsec_<base64>")
            self._keys.append(key)
        if not self._keys:
            raise ValueError("StandardWebhooksVerifier: give at least one secret")
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
        v1 = [signature for version, signature in entries if version == "v1"]
        if not v1:
            return Rejected("unsupported_algorithm", "webhook-signature carries no v1 entry")
        signed = f"{values['webhook-id']}.{timestamp}.".encode() + body
        for key in self._keys:
            expected = hmac.new(key, signed, hashlib.sha256).digest()
            if any(hmac.compare_digest(expected, signature) for signature in v1):
                return Verified(key_id="v1", delivery_id=values["webhook-id"])
        return Rejected("bad_signature", "no webhook-signature entry verifies with the configured secrets")
