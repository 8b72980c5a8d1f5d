"""Message signatures as AWS makes them, with a key pair of Sluice's own.

An RSA-2048 key and a self-signed certificate are generated at first start and kept in SQLite, so a
restarted Sluice signs with the same key and a receiver's cached certificate stays valid. The
certificate is served at ``SigningCertURL``. ``SignatureVersion`` 1 signs with SHA1withRSA, 2 with
SHA256withRSA, over AWS's canonical string: ``name\\nvalue\\n`` for each signed field, in order
(SNS Developer Guide, "Verifying the signatures of Amazon SNS messages").
"""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta

NOTIFICATION_FIELDS = ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")
CONFIRMATION_FIELDS = ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type")
CERT_PATH = "/_sluice/sns/SimpleNotificationService-{id}.pem"


def canonical_string(doc: dict) -> str:
    """The string AWS signs: the signed fields present in ``doc``, each as ``name\\nvalue\\n``."""
    fields = NOTIFICATION_FIELDS if doc.get("Type") == "Notification" else CONFIRMATION_FIELDS
    return "".join(f"{name}\n{doc[name]}\n" for name in fields if doc.get(name) is not None)


def generate(now_ms: int) -> tuple[str, str]:
    """A fresh (private key PEM, certificate PEM) pair."""
    # cryptography is imported on first use: it costs start-up time and memory a run without SNS never needs.
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Sluice")])
    start = datetime.fromtimestamp(now_ms / 1000, tz=UTC) - timedelta(days=1)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(start)
            .not_valid_after(start + timedelta(days=3650)).sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    return key_pem, cert.public_bytes(serialization.Encoding.PEM).decode()


class Signer:
    def __init__(self, key_pem: str, cert_pem: str):
        self.key_pem, self.cert_pem = key_pem, cert_pem
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        key = serialization.load_pem_private_key(key_pem.encode(), password=None)
        if not isinstance(key, rsa.RSAPrivateKey):  # generate() makes RSA keys; PKCS1v15 signing needs one
            raise TypeError(f"the SNS signing key is {type(key).__name__}, not an RSA key")
        self._key = key
        self.cert_id = hashlib.md5(cert_pem.encode()).hexdigest()

    def cert_url(self, base: str) -> str:
        return base + CERT_PATH.format(id=self.cert_id)

    def sign(self, doc: dict, version: str = "1") -> str:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        digest = hashes.SHA256() if version == "2" else hashes.SHA1()
        signature = self._key.sign(canonical_string(doc).encode("utf-8"), padding.PKCS1v15(), digest)
        return base64.b64encode(signature).decode()
