"""MD5 digests SQS clients verify, against vectors published with AWS's algorithm."""

import hashlib
import struct

from emulator.sqs.md5 import md5_of_attributes, md5_of_body


def test_body_digest_is_md5_of_utf8():
    assert md5_of_body("hello") == "5d41402abc4b2a76b9719d911017c592"
    assert md5_of_body("h\u00e9") == hashlib.md5("h\u00e9".encode()).hexdigest()


def test_attribute_digest_matches_published_vectors():
    # The AWS developer guide's example and an SDK test vector.
    assert md5_of_attributes({"SellerName": {"DataType": "String", "StringValue": "Example Store"}}) == \
        "cd28f3b68aeee4b2eac9c66f2f694b58"
    assert md5_of_attributes({"ordinal": {"DataType": "Number", "StringValue": "1"},
                              "category": {"DataType": "String", "StringValue": "test"}}) == \
        "d21ae90c49061e927f57df5f5d72be1f"


def test_binary_attribute_uses_transport_type_2_and_accepts_base64_or_bytes():
    expected = hashlib.md5(struct.pack(">I", 1) + b"b" + struct.pack(">I", 6) + b"Binary" + b"\x02"
                           + struct.pack(">I", 2) + b"\x00\x01").hexdigest()
    assert md5_of_attributes({"b": {"DataType": "Binary", "BinaryValue": b"\x00\x01"}}) == expected
    assert md5_of_attributes({"b": {"DataType": "Binary", "BinaryValue": "AAE="}}) == expected


def test_no_attributes_no_digest():
    assert md5_of_attributes({}) is None
    assert md5_of_attributes(None) is None
