"""Verify Callbacks deliveries in Python: the original product's scheme and Standard Webhooks."""

from .copernica import CopernicaVerifier, dns_txt_resolver
from .result import Rejected, Verified
from .standard_webhooks import StandardWebhooksVerifier

__all__ = ["CopernicaVerifier", "StandardWebhooksVerifier", "Verified", "Rejected", "dns_txt_resolver"]
