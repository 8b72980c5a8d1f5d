"""Pure pieces of EventBridge archives and replays: the replay-name mark's place in the event, and an event's
time as the archive's window key.

The replayed event AWS delivers (localstack's AWS-validated recording, tests/aws/services/events/
test_archive_and_replay.snapshot.json) has "replay-name" right after "region"."""

from emulator.events.archiving import event_time_ms
from emulator.events.replays import replayed

EVENT = {"version": "0", "id": "e-1", "detail-type": "t", "source": "s", "account": "000000000000",
         "time": "2024-05-22T11:32:47Z", "region": "us-east-1", "resources": [], "detail": {"a": 1}}


def test_replay_name_goes_right_after_region_and_nothing_else_changes():
    out = replayed(EVENT, "again")
    assert list(out) == ["version", "id", "detail-type", "source", "account", "time", "region", "replay-name",
                         "resources", "detail"]
    assert out["replay-name"] == "again"
    assert {k: v for k, v in out.items() if k != "replay-name"} == EVENT
    assert "replay-name" not in EVENT


def test_an_event_without_region_still_gets_the_mark():
    assert replayed({"id": "x"}, "r") == {"id": "x", "replay-name": "r"}


def test_event_time_is_epoch_ms_of_the_whole_second():
    assert event_time_ms("2024-05-22T11:32:47Z") == 1_716_377_567_000
    assert event_time_ms("1970-01-01T00:00:00Z") == 0
    assert event_time_ms("not a time") == 0
