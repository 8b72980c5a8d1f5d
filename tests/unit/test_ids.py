"""emulator.ids: ids that look exactly like uuid4()'s and do not repeat."""

import uuid

from emulator.ids import new_uuid


def test_new_uuid_is_a_version_4_rfc_4122_uuid_in_canonical_text():
    for _ in range(1000):
        text = new_uuid()
        parsed = uuid.UUID(text)
        assert str(parsed) == text  # lower-case hex, 8-4-4-4-12
        assert parsed.version == 4
        assert parsed.variant == uuid.RFC_4122


def test_new_uuid_does_not_repeat():
    ids = {new_uuid() for _ in range(100_000)}
    assert len(ids) == 100_000
