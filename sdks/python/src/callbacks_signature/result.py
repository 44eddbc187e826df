"""Verification results; the reason codes are the JavaScript library's, so both read the same."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Mapping, Optional, Sequence, Union


@dataclass(frozen=True)
class Verified:
    key_id: str
    delivery_id: Optional[str] = None
    ok: bool = True


@dataclass(frozen=True)
class Rejected:
    reason: str
    message: str
    ok: bool = False


Result = Union[Verified, Rejected]

#: A header value as frameworks hand it over: one string, or a list when a header was repeated.
HeaderValue = Union[str, Sequence[str]]

REPEATED = object()


def header_lookup(headers: Mapping[str, HeaderValue]):
    """Case-insensitive lookup: the trimmed value, None when absent, REPEATED when given twice."""
    merged: dict = {}
    for name, value in headers.items():
        values = [value] if isinstance(value, str) else list(value)
        key = name.lower()
        if key in merged or len(values) > 1:
            merged[key] = REPEATED
        elif values:
            merged[key] = values[0].strip()
    return merged.get


def strict_b64decode(text: str) -> Optional[bytes]:
    """Standard base64 with padding; None for anything else."""
    if not text or len(text) % 4:
        return None
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
