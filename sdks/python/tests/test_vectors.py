"""The committed test vectors of libs/signature, which the JavaScript library is held to as well."""

import base64
import json
import unittest
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlsplit

from callbacks_signature import CopernicaVerifier, Rejected, Verified

VECTORS = Path(__file__).resolve().parents[3] / "libs" / "signature" / "test-vectors"


def check(vector, case):
    """Verifies the vector's request with the changes a rejection case describes."""
    body = case["body"].encode() if "body" in case else base64.b64decode(vector["input"]["bodyBase64"])
    headers = {**vector["expected"]["headers"], **case.get("headers", {})}
    if case.get("recomputeDigest"):
        import hashlib

        headers["Digest"] = "sha-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()
    for name in case.get("removeHeaders", []):
        headers.pop(name)
    url = urlsplit(vector["input"]["url"])
    path = url.path + (f"?{url.query}" if url.query else "")
    now = parsedate_to_datetime(vector["verification"]["now"]).timestamp() + case.get("nowOffsetSeconds", 0)
    key = vector["key"]
    records = {key["dnsTxtName"]: [[key["dnsTxtRecord"]]]}
    verifier = CopernicaVerifier(
        account_id=vector["verification"]["accountId"],
        allowed_domains=vector["verification"]["allowedDomains"],
        date_window_seconds=vector["verification"]["dateWindowSeconds"],
        resolver=lambda name: records.get(name, []),
        now=lambda: now,
    )
    return verifier.verify(case.get("method", vector["input"]["method"]), case.get("path", path), headers, body)


class VectorTest(unittest.TestCase):
    def run_vector(self, file_name):
        vector = json.loads((VECTORS / file_name).read_text("utf-8"))
        self.assertEqual(check(vector, {}), Verified(key_id=vector["key"]["keyId"]))
        self.assertGreater(len(vector["rejections"]), 10)
        for case in vector["rejections"]:
            with self.subTest(case=case["case"]):
                result = check(vector, case)
                if case["reason"] is None:
                    self.assertEqual(result, Verified(key_id=vector["key"]["keyId"]))
                else:
                    self.assertIsInstance(result, Rejected)
                    self.assertEqual(result.reason, case["reason"], result.message)

    def test_v2_the_signer_today(self):
        self.run_vector("v2.json")

    def test_v1_upper_case_digest_and_a_record_with_spaces(self):
        self.run_vector("v1.json")

    def test_a_dns_failure_is_not_the_requests_fault(self):
        vector = json.loads((VECTORS / "v2.json").read_text("utf-8"))

        def failing(_name):
            raise TimeoutError("timed out")

        verifier = CopernicaVerifier(
            account_id="42",
            allowed_domains=["example.com"],
            resolver=failing,
            now=lambda: parsedate_to_datetime(vector["verification"]["now"]).timestamp(),
        )
        body = base64.b64decode(vector["input"]["bodyBase64"])
        result = verifier.verify("POST", vector["expected"]["requestTarget"][5:], vector["expected"]["headers"], body)
        self.assertEqual(result.reason, "key_lookup_failed")

    def test_a_repeated_header_is_a_repeat(self):
        vector = json.loads((VECTORS / "v2.json").read_text("utf-8"))
        headers = {**vector["expected"]["headers"], "date": [vector["expected"]["headers"]["Date"]] * 2}
        del headers["Date"]
        verifier = CopernicaVerifier(account_id="42", allowed_domains=["example.com"], resolver=lambda name: [])
        result = verifier.verify("POST", "/", headers, b"")
        self.assertEqual(result.reason, "duplicate_header")


if __name__ == "__main__":
    unittest.main()
