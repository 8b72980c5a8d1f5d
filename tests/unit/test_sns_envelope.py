"""The SNS notification envelope, the canonical string that is signed, and signatures."""

import base64
import json

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from emulator.sns import envelope, signing


def test_iso_timestamp_has_milliseconds_and_z():
    assert envelope.iso_timestamp(1_700_000_000_123) == "2023-11-14T22:13:20.123Z"
    assert envelope.iso_timestamp(1_700_000_000_000) == "2023-11-14T22:13:20.000Z"


def test_notification_key_order_and_optional_subject():
    doc = envelope.notification(message_id="m", topic_arn="arn:t", message="hi", timestamp="ts")
    assert list(doc) == ["Type", "MessageId", "TopicArn", "Message", "Timestamp"]
    doc = envelope.notification(message_id="m", topic_arn="arn:t", message="hi", timestamp="ts", subject="s",
                                sequence_number="10000000000000000001")
    assert list(doc) == ["Type", "MessageId", "SequenceNumber", "TopicArn", "Subject", "Message", "Timestamp"]


def test_envelope_attributes_use_type_and_value_with_base64_binary():
    attrs = {"s": {"DataType": "String", "StringValue": "v"}, "b": {"DataType": "Binary", "BinaryValue": b"\x00\x01"}}
    assert envelope.envelope_attributes(attrs) == {"s": {"Type": "String", "Value": "v"},
                                                   "b": {"Type": "Binary", "Value": "AAE="}}


def test_canonical_string_of_a_notification():
    doc = {"Type": "Notification", "MessageId": "id", "TopicArn": "arn", "Subject": "sub", "Message": "m",
           "Timestamp": "ts", "UnsubscribeURL": "u", "SequenceNumber": "1"}
    assert signing.canonical_string(doc) == ("Message\nm\nMessageId\nid\nSubject\nsub\nTimestamp\nts\n"
                                             "TopicArn\narn\nType\nNotification\n")
    del doc["Subject"]
    assert "Subject" not in signing.canonical_string(doc)


def test_canonical_string_of_a_confirmation():
    doc = envelope.subscription_confirmation(message_id="id", token="tok", topic_arn="arn", subscribe="url",
                                             timestamp="ts")
    assert signing.canonical_string(doc) == (f"Message\n{doc['Message']}\nMessageId\nid\nSubscribeURL\nurl\n"
                                             "Timestamp\nts\nToken\ntok\nTopicArn\narn\nType\n"
                                             "SubscriptionConfirmation\n")


def test_signatures_verify_with_the_certificate_for_both_versions():
    signer = signing.Signer(*signing.generate(1_700_000_000_000))
    cert = x509.load_pem_x509_certificate(signer.cert_pem.encode())
    doc = envelope.notification(message_id="id", topic_arn="arn", message="héllo", timestamp="ts")
    for version, digest in (("1", hashes.SHA1()), ("2", hashes.SHA256())):
        signature = base64.b64decode(signer.sign(doc, version))
        cert.public_key().verify(signature, signing.canonical_string(doc).encode(), padding.PKCS1v15(), digest)


def test_dumps_is_aws_layout():
    text = envelope.dumps({"Type": "Notification", "Message": "x"})
    assert text == '{\n  "Type" : "Notification",\n  "Message" : "x"\n}'
    assert json.loads(text)["Message"] == "x"


def test_fast_dumps_writes_exactly_what_json_dumps_writes():
    """The envelope writer must be byte-identical to AWS's layout as json.dumps(indent=2) produces it."""
    import json
    import random

    from emulator.sns.envelope import dumps

    rnd = random.Random(20261123)

    def text():
        return "".join(rnd.choice('ab"\\\n\té€😀<>&\x01 ') for _ in range(rnd.randint(0, 12)))

    for _ in range(500):
        doc = {text(): text() for _ in range(rnd.randint(0, 6))}
        if rnd.random() < 0.5:
            doc["MessageAttributes"] = {text(): {"Type": text(), "Value": text()} for _ in range(rnd.randint(0, 3))}
        assert dumps(doc) == json.dumps(doc, indent=2, separators=(",", " : "), ensure_ascii=False)
