"""Real deliveries from the repository's signer (written by make-delivery.ts), and Standard Webhooks."""

import base64
import hashlib
import hmac
import json
import os
import time
import unittest

from callbacks_signature import CopernicaVerifier, StandardWebhooksVerifier, Verified, dns_txt_resolver

# run-tests.mjs always writes it; a missing file is a failure, not a skip.
DELIVERY = json.loads(open(os.environ["CALLBACKS_DELIVERY"], encoding="utf-8").read())
BODY = base64.b64decode(DELIVERY["bodyBase64"])


class CopernicaDeliveryTest(unittest.TestCase):
    def setUp(self):
        # The default resolver (dnspython), asking the DNS server run-tests.ts publishes the key on.
        lookup = dns_txt_resolver(nameservers=[os.environ["CALLBACKS_DNS"]])
        self.queries = []

        def resolver(name):
            self.queries.append(name)
            return lookup(name)

        self.verifier = CopernicaVerifier(account_id="42", allowed_domains=["callbacks.test"], resolver=resolver)

    def verify(self, body=BODY, **changes):
        copernica = DELIVERY["copernica"]
        headers = {**copernica["headers"], **changes}
        return self.verifier.verify(copernica["method"], copernica["path"], headers, body)

    def test_accepts_the_signers_delivery_and_caches_the_key(self):
        self.assertEqual(self.verify(), Verified(key_id=DELIVERY["copernica"]["keyId"]))
        self.assertEqual(self.verify(), Verified(key_id=DELIVERY["copernica"]["keyId"]))
        self.assertEqual(self.queries, [DELIVERY["copernica"]["keyId"]])

    def test_a_key_not_in_dns_is_unknown(self):
        signature = DELIVERY["copernica"]["headers"]["Signature"].replace("cb-python._domainkey", "gone._domainkey")
        self.assertEqual(self.verify(Signature=signature).reason, "unknown_key")

    def test_refuses_it_tampered_or_for_another_account(self):
        self.assertEqual(self.verify(body=BODY.replace(b"update", b"delete")).reason, "digest_mismatch")
        self.assertEqual(self.verify(**{"X-Copernica-ID": "account_43"}).reason, "wrong_account")
        self.assertEqual(self.verify(**{"X-Nonce": "replayed"}).reason, "bad_signature")


class StandardWebhooksTest(unittest.TestCase):
    def setUp(self):
        self.secret = DELIVERY["standardWebhooks"]["secret"]
        self.headers = DELIVERY["standardWebhooks"]["headers"]

    def test_accepts_a_delivery_signed_by_the_dispatchers_signer(self):
        result = StandardWebhooksVerifier(self.secret).verify(self.headers, BODY)
        self.assertEqual(result, Verified(key_id="v1", delivery_id="dlv_py1"))

    def test_accepts_the_previous_secret_during_a_rotation(self):
        other = "whsec_" + base64.b64encode(b"another secret of 24 byte").decode()
        result = StandardWebhooksVerifier([other, self.secret]).verify(self.headers, BODY)
        self.assertTrue(result.ok)

    def test_refuses_a_tampered_body_an_old_timestamp_and_another_secret(self):
        verifier = StandardWebhooksVerifier(self.secret)
        self.assertEqual(verifier.verify(self.headers, BODY + b" ").reason, "bad_signature")
        old = int(self.headers["webhook-timestamp"]) - 301
        key = base64.b64decode(self.secret[len("whsec_") :])
        signature = hmac.new(key, f"dlv_py1.{old}.".encode() + BODY, hashlib.sha256).digest()
        stale = {**self.headers, "webhook-timestamp": str(old), "webhook-signature": "v1," + base64.b64encode(signature).decode()}
        self.assertEqual(verifier.verify(stale, BODY).reason, "stale_date")
        another = StandardWebhooksVerifier("whsec_" + base64.b64encode(b"x" * 24).decode())
        self.assertEqual(another.verify(self.headers, BODY).reason, "bad_signature")
        self.assertEqual(verifier.verify({**self.headers, "webhook-signature": "v1a,AAAA"}, BODY).reason, "unsupported_algorithm")

    def test_v1a_accepts_an_ed25519_signature_and_refuses_a_tampered_body(self):
        v1a = DELIVERY["standardWebhooks"]["v1a"]
        verifier = StandardWebhooksVerifier(public_key=v1a["publicKey"])
        self.assertEqual(verifier.verify(v1a["headers"], BODY), Verified(key_id="v1a", delivery_id="dlv_py1"))
        self.assertEqual(verifier.verify(v1a["headers"], BODY + b" ").reason, "bad_signature")
        # A receiver with only the HMAC secret has no key for the entry.
        self.assertEqual(StandardWebhooksVerifier(self.secret).verify(v1a["headers"], BODY).reason, "unsupported_algorithm")

    def test_never_echoes_a_bad_secret(self):
        with self.assertRaises(ValueError) as raised:
            StandardWebhooksVerifier("whsec_not*base64!")
        self.assertNotIn("not*base64", str(raised.exception))

    def test_clock_is_the_receivers(self):
        later = StandardWebhooksVerifier(self.secret, now=lambda: time.time() + 3600)
        self.assertEqual(later.verify(self.headers, BODY).reason, "stale_date")


class ReferenceLibraryTest(unittest.TestCase):
    """PyPI's `standardwebhooks` (the reference implementation) on deliveries signed by our signer."""

    def setUp(self):
        from standardwebhooks.webhooks import Webhook, WebhookVerificationError

        self.Webhook, self.Refused = Webhook, WebhookVerificationError
        self.signed = DELIVERY["standardWebhooks"]

    def test_verifies_a_delivery(self):
        payload = self.Webhook(self.signed["secret"]).verify(BODY, self.signed["headers"])
        self.assertEqual(payload["id"], "dlv_py1")

    def test_refuses_a_tampered_body(self):
        with self.assertRaises(self.Refused):
            self.Webhook(self.signed["secret"]).verify(BODY + b" ", self.signed["headers"])

    def test_refuses_an_old_timestamp(self):
        with self.assertRaisesRegex(self.Refused, "too old"):
            self.Webhook(self.signed["secret"]).verify(BODY, self.signed["stale"])

    def test_refuses_a_rotated_away_secret(self):
        rotated = self.signed["rotated"]
        self.assertEqual(self.Webhook(rotated["secret"]).verify(BODY, rotated["headers"])["id"], "dlv_py1")
        with self.assertRaises(self.Refused):
            self.Webhook(self.signed["secret"]).verify(BODY, rotated["headers"])


if __name__ == "__main__":
    unittest.main()
