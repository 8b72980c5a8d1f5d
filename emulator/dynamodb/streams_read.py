"""The read side of DynamoDB Streams: ListStreams, DescribeStream, GetShardIterator, GetRecords.

Functions run inside a store transaction (``uow.now`` is the time). Retention is time as data: a record
created 24 hours ago or more reads as trimmed at once (TRIM_HORIZON starts after it, an iterator behind
it gets TrimmedDataAccessException), whether or not the scheduler's housekeeping has deleted it yet;
closed shards and disabled streams disappear 24 hours after they closed.

Sequence numbers are the records' AUTOINCREMENT ids written as 21-digit decimal strings (the minimum
length of the model's SequenceNumber, as in the API Reference's examples), so that string order is
numeric order. A shard iterator is ``<stream ARN>|1|<base64>``, the shape of AWS's: the base64 packs
(shard row, position, issue time) and an HMAC-SHA256 under the stream's own random key, so a client
can neither forge a position nor point an iterator at another stream; iterators survive a restart.
A position is "after sequence number N": GetRecords returns the shard's records with a greater one.

Error texts: "Shard iterator has expired" (ExpiredIteratorException, AWS SDK for Java traces),
"Requested resource not found: Shard does not exist" and "Invalid ShardId in ShardIterator"
(ResourceNotFoundException, traces from AWS), "Requested resource not found: Stream: <arn> not found"
(DynamoDB Local). Guessed: "The data you are trying to access has been trimmed" (as users quote
TrimmedDataAccessException), the ValidationException texts here (marked at their raise sites).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import struct
from datetime import UTC, datetime

from emulator.errors import AwsError
from storage import dynamodb_streams as sdb
from storage.db import UnitOfWork
from storage.dynamodb_streams import ShardRow, StreamRow

from .errors import ResourceNotFoundException, ValidationException
from .streams_log import DAY_MS, EVENT_NAMES

ITERATOR_TTL_MS = 15 * 60 * 1000
MAX_RECORDS = 1000
MAX_BYTES = 1024 * 1024
MAX_SHARDS = MAX_STREAMS = 100
SEQ_WIDTH = 21
_PACK = struct.Struct(">qqq")
_MAC_BYTES = 16
MAX_SEQ = 2**63 - 1  # a signed 64-bit INTEGER column and struct field
TTL_IDENTITY = {"PrincipalId": "dynamodb.amazonaws.com", "Type": "Service"}


class ExpiredIteratorException(AwsError):
    pass


class TrimmedDataAccessException(AwsError):
    pass


TRIMMED = "The data you are trying to access has been trimmed"  # guessed: the text users quote
INVALID_ITERATOR = "Invalid ShardIterator"  # guessed


def seq_text(seq: int) -> str:
    return f"{seq:0{SEQ_WIDTH}d}"


def limit_of(limit: int | None, maximum: int) -> int:
    if limit is None:
        return maximum
    if limit > maximum:  # the coral validator's form; the bound is the API Reference's
        raise ValidationException(f"1 validation error detected: Value '{limit}' at 'limit' failed to satisfy "
                                  f"constraint: Member must have value less than or equal to {maximum}")
    return limit


def stream_not_found(arn: str) -> ResourceNotFoundException:
    return ResourceNotFoundException(f"Requested resource not found: Stream: {arn} not found")


def readable_stream(uow: UnitOfWork, arn: str) -> StreamRow:
    stream = sdb.stream_by_arn(uow, arn)
    if stream is None or (stream.disabled_at is not None and stream.disabled_at <= uow.now - DAY_MS):
        raise stream_not_found(arn)
    return stream


def _live(shard: ShardRow | None, now: int) -> bool:
    return shard is not None and (shard.closed_at is None or shard.closed_at > now - DAY_MS)


# --- ListStreams, DescribeStream ------------------------------------------------------------------

def list_streams(uow: UnitOfWork, account: str, region: str, table_name: str | None, limit: int | None,
                 exclusive_start: str | None) -> dict:
    limit = limit_of(limit, MAX_STREAMS)
    after = 0
    if exclusive_start is not None:
        start = sdb.stream_by_arn(uow, exclusive_start)
        if start is None:
            raise stream_not_found(exclusive_start)
        after = start.id
    rows = sdb.list_streams(uow, account, region, table_name, after, uow.now - DAY_MS, limit + 1)
    out: dict = {"Streams": [{"StreamArn": arn, "TableName": name, "StreamLabel": label}
                             for _, arn, name, label in rows[:limit]]}
    if len(rows) > limit:
        out["LastEvaluatedStreamArn"] = rows[limit - 1][1]
    return out


def _shard_wire(shard: ShardRow) -> dict:
    numbers = {"StartingSequenceNumber": seq_text(shard.start_seq)}
    if shard.end_seq is not None:
        numbers["EndingSequenceNumber"] = seq_text(shard.end_seq)
    out: dict = {"ShardId": shard.shard_id, "SequenceNumberRange": numbers}
    if shard.parent_id is not None:
        out["ParentShardId"] = shard.parent_id
    return out


def describe_stream(uow: UnitOfWork, arn: str, limit: int | None, exclusive_start: str | None,
                    shard_filter: dict | None) -> dict:
    stream = readable_stream(uow, arn)
    limit = limit_of(limit, MAX_SHARDS)
    after = 0
    if exclusive_start is not None:
        start = sdb.shard_by_name(uow, stream.id, exclusive_start)
        if start is None:
            raise ResourceNotFoundException("Requested resource not found: Shard does not exist")
        after = start.id
    parent = None
    if shard_filter is not None:
        if shard_filter.get("Type") != "CHILD_SHARDS" or not shard_filter.get("ShardId"):  # text guessed
            raise ValidationException("ShardFilter must name a ShardId with Type CHILD_SHARDS")
        parent = shard_filter["ShardId"]
    shards = sdb.shards(uow, stream.id, after, uow.now - DAY_MS, parent, limit + 1)
    out: dict = {
        "StreamArn": stream.arn, "StreamLabel": stream.label,
        "StreamStatus": "ENABLED" if stream.disabled_at is None else "DISABLED",
        "StreamViewType": stream.view_type,
        "CreationRequestDateTime": datetime.fromtimestamp(stream.created_at / 1000, UTC),
        "TableName": stream.table_name,
        "KeySchema": [{"AttributeName": name, "KeyType": kind} for name, kind in stream.key_schema],
        "Shards": [_shard_wire(s) for s in shards[:limit]],
    }
    if len(shards) > limit:
        out["LastEvaluatedShardId"] = shards[limit - 1].shard_id
    return {"StreamDescription": out}


# --- iterators ------------------------------------------------------------------------------------

def _mac(stream: StreamRow, payload: bytes) -> bytes:
    return hmac.new(stream.secret, stream.arn.encode() + payload, hashlib.sha256).digest()[:_MAC_BYTES]


def issue(stream: StreamRow, shard: ShardRow, after: int, now: int) -> str:
    payload = _PACK.pack(shard.id, after, now)
    return f"{stream.arn}|1|{base64.b64encode(payload + _mac(stream, payload)).decode('ascii')}"


def parse_iterator(uow: UnitOfWork, text: str) -> tuple[StreamRow, ShardRow, int]:
    """The stream, shard and position an iterator names, checked: its MAC, its age, its shard."""
    parts = text.rsplit("|", 2)
    if len(parts) != 3 or parts[1] != "1":
        raise ValidationException(INVALID_ITERATOR)
    arn, _, token = parts
    try:
        raw = base64.b64decode(token, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationException(INVALID_ITERATOR) from None
    if len(raw) != _PACK.size + _MAC_BYTES:
        raise ValidationException(INVALID_ITERATOR)
    stream = readable_stream(uow, arn)
    payload = raw[:_PACK.size]
    if not hmac.compare_digest(raw[_PACK.size:], _mac(stream, payload)):
        raise ValidationException(INVALID_ITERATOR)
    shard_row, after, issued = _PACK.unpack(payload)
    if uow.now - issued > ITERATOR_TTL_MS:
        raise ExpiredIteratorException("Shard iterator has expired")
    shard = sdb.shard(uow, shard_row)
    if shard is None or shard.stream_id != stream.id or not _live(shard, uow.now):
        raise ResourceNotFoundException("Invalid ShardId in ShardIterator")
    return stream, shard, after


def _check_trim(uow: UnitOfWork, shard: ShardRow, after: int) -> None:
    """An iterator at ``after`` is behind the trim point if a record it has not read is gone or aged."""
    if shard.trimmed_seq > after:
        raise TrimmedDataAccessException(TRIMMED)
    first = sdb.records_after(uow, shard.id, after, 1).fetchone()
    if first is not None and first[1] <= uow.now - DAY_MS:
        raise TrimmedDataAccessException(TRIMMED)


def _horizon(uow: UnitOfWork, shard: ShardRow) -> int:
    """The position before the oldest record not trimmed (TRIM_HORIZON)."""
    base = max(shard.trimmed_seq, shard.start_seq - 1)
    first = sdb.first_since(uow, shard.id, base, uow.now - DAY_MS + 1)
    if first is not None:
        return first - 1
    return max(base, sdb.last_seq(uow, shard.id) or 0)


def _latest(uow: UnitOfWork, shard: ShardRow) -> int:
    if shard.end_seq is not None:
        return shard.end_seq
    return max(sdb.last_assigned_seq(uow), shard.start_seq - 1)


def _sequence_number(text: str | None, kind: str, shard: ShardRow) -> int:
    if text is None:  # text guessed
        raise ValidationException(f"The SequenceNumber parameter is required for ShardIteratorType {kind}")
    if not (text.isascii() and text.isdigit()):  # text guessed
        raise ValidationException(f"Invalid SequenceNumber: {text}")
    seq = int(text)
    # An open shard's range ends at the largest sequence number SQLite (and an iterator) can hold.
    last = shard.end_seq if shard.end_seq is not None else MAX_SEQ
    if seq < shard.start_seq or seq > last:  # text guessed
        raise ValidationException(f"Invalid SequenceNumber {text} for shard {shard.shard_id}: it is outside the "
                                  "shard's sequence number range")
    return seq


def shard_iterator(uow: UnitOfWork, arn: str, shard_id: str, kind: str, sequence_number: str | None,
                   timestamp: datetime | None) -> dict:
    stream = readable_stream(uow, arn)
    shard = sdb.shard_by_name(uow, stream.id, shard_id)
    if shard is None or not _live(shard, uow.now):
        raise ResourceNotFoundException("Requested resource not found: Shard does not exist")
    if kind in ("AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"):
        seq = _sequence_number(sequence_number, kind, shard)
        after = seq - 1 if kind == "AT_SEQUENCE_NUMBER" else seq
        _check_trim(uow, shard, after)
    elif kind == "TRIM_HORIZON":
        after = _horizon(uow, shard)
    elif kind == "LATEST":
        after = _latest(uow, shard)
    elif kind == "AT_TIMESTAMP":
        if timestamp is None:  # text guessed
            raise ValidationException("The Timestamp parameter is required for ShardIteratorType AT_TIMESTAMP")
        at = int(timestamp.timestamp() * 1000)
        if at > uow.now:  # API Reference: "If the timestamp is in the future, ... ValidationException"; text guessed
            raise ValidationException("The timestamp provided is in the future")
        after = _horizon(uow, shard)
        if at > uow.now - DAY_MS:
            first = sdb.first_since(uow, shard.id, after, at)
            after = first - 1 if first is not None else _latest(uow, shard)
    else:  # the model's enum is checked before; kept for callers that are not the wire
        raise ValidationException(f"Invalid ShardIteratorType: {kind}")
    return {"ShardIterator": issue(stream, shard, after, uow.now)}


# --- GetRecords -----------------------------------------------------------------------------------

def _record(stream: StreamRow, row: tuple) -> dict:
    seq, created_at, event, body_text, size, service = row
    body = sdb.decode_body(body_text)
    change: dict = {"ApproximateCreationDateTime": datetime.fromtimestamp(created_at // 1000, UTC),
                    "Keys": body["K"]["M"]}
    if "N" in body:
        change["NewImage"] = body["N"]["M"]
    if "O" in body:
        change["OldImage"] = body["O"]["M"]
    change["SequenceNumber"] = seq_text(seq)
    change["SizeBytes"] = size
    change["StreamViewType"] = stream.view_type
    out = {"eventID": hashlib.md5(f"{stream.arn}/{seq}".encode(), usedforsecurity=False).hexdigest(),
           "eventName": EVENT_NAMES[event], "eventVersion": "1.1", "eventSource": "aws:dynamodb",
           "awsRegion": stream.region, "dynamodb": change}
    if service:
        out["userIdentity"] = dict(TTL_IDENTITY)
    return out


def get_records(uow: UnitOfWork, iterator: str, limit: int | None) -> dict:
    stream, shard, after = parse_iterator(uow, iterator)
    limit = limit_of(limit, MAX_RECORDS)
    if shard.trimmed_seq > after:
        raise TrimmedDataAccessException(TRIMMED)
    aged = uow.now - DAY_MS
    records: list[dict] = []
    total, more = 0, False
    for row in sdb.records_after(uow, shard.id, after, limit + 1).fetchall():
        if row[1] <= aged:
            if not records:
                raise TrimmedDataAccessException(TRIMMED)
            more = True
            break
        if len(records) == limit or (records and total + row[4] > MAX_BYTES):
            more = True
            break
        records.append(_record(stream, row))
        total += row[4]
        after = row[0]
    out: dict = {"Records": records}
    if shard.closed_at is None or more:
        out["NextShardIterator"] = issue(stream, shard, after, uow.now)
    return out
