"""Malformed requests of every kind get an AWS-shaped 4xx (or a 501 for a modeled but unimplemented
operation), never a 5xx and never a stack trace.

The cases are generated from the botocore models with a fixed seed, so a failure reproduces. Each
case is built to be invalid (a wrong JSON type, a missing required member, a body that is not JSON,
an unknown action ...), so that no case can succeed against an implemented handler either.

Two generated groups go further, over every implemented operation of every service, in its own
protocol (JSON, or query for SQS, SNS and STS), against real resources (a queue, a topic, a
subscription, a rule, a table) so that validation reaches past "does not exist":

- ``nested``: every JSON-carrying parameter (policies, patterns, events, inputs, message structures,
  the JSON queue/topic/subscription attributes) nested 1,000 and MAX_DEPTH + 1 deep;
- ``shapes``: inputs generated from each operation's input shape (``tests/unit/shapegen.py``), each
  with one hostile change: a value that breaks its constraint, a wrong JSON type, hostile text, a
  duplicated or odd query key, or nothing changed at all.

Either may succeed (a valid input is a valid input); neither may answer a 5xx or a body its
protocol's parser cannot read. ``shapes`` has SLUICE_FUZZ_CASES cases (default 600, which CI runs
in a few seconds) from seed SLUICE_FUZZ_SEED. The nightly run:

    SLUICE_FUZZ_CASES=20000 .venv/bin/python -m pytest -q -p no:xdist tests/integration/test_fuzz.py
"""

from __future__ import annotations

import base64
import json
import os
import random
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from urllib.parse import quote_plus, urlencode

import httpx
import pytest
from botocore.serialize import create_serializer

from api.operations import implemented, load_handlers
from api.protocol.models import service_model
from api.protocol.routing import TARGET_PREFIXES
from emulator.jsontext import MAX_DEPTH
from tests.server import ThreadServer
from tests.unit.shapegen import (
    HOSTILE_TEXT,
    ShapeGen,
    Unsatisfiable,
    carries_json,
    nested_json,
    set_at,
    typed_paths,
    violations,
)

SEED = 20_261_123
JSON_SERVICES = {service: prefix for prefix, service in TARGET_PREFIXES.items()}
JSON_CT = {"sqs": "application/x-amz-json-1.0", "dynamodb": "application/x-amz-json-1.0",
           "dynamodbstreams": "application/x-amz-json-1.0", "events": "application/x-amz-json-1.1"}
FORM_CT = "application/x-www-form-urlencoded; charset=utf-8"
QUERY_VERSIONS = {"sqs-query": "2012-11-05", "sns": "2010-03-31"}


@dataclass
class Case:
    name: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    method: str = "POST"
    path: str = "/"
    query: str = ""

    @property
    def json(self) -> bool:
        return "X-Amz-Target" in self.headers


def auth(service: str, region: str = "us-east-1") -> str:
    return (f"AWS4-HMAC-SHA256 Credential=test/20260101/{region}/{service}/aws4_request, "
            "SignedHeaders=host;x-amz-date, Signature=00")


# --- values from shapes -----------------------------------------------------------------------

def sample(shape, rng: random.Random, depth: int = 0):
    """A well-typed (not necessarily valid) JSON value for ``shape``."""
    kind = shape.type_name
    if kind == "structure":
        if shape.is_document_type:
            return {"doc": [1, "x"]}
        out = {}
        for name, member in shape.members.items():
            if name in shape.required_members or (depth < 3 and rng.random() < 0.35):
                out[name] = sample(member, rng, depth + 1) if depth < 6 else ({} if member.type_name == "structure" else "x")
        return out
    if kind == "list":
        return [sample(shape.member, rng, depth + 1) for _ in range(rng.randint(1, 2))]
    if kind == "map":
        return {f"k{i}": sample(shape.value, rng, depth + 1) for i in range(rng.randint(1, 2))}
    if kind == "string":
        return shape.enum[0] if shape.enum else rng.choice(["abc", "my-name", "arn:aws:sqs:us-east-1:000000000000:q"])
    if kind in ("integer", "long"):
        return rng.randint(0, 10)
    if kind in ("float", "double"):
        return rng.random()
    if kind == "boolean":
        return rng.random() < 0.5
    if kind == "blob":
        return "aGVsbG8="
    if kind == "timestamp":
        return 1_700_000_000
    return "x"


WRONG = {  # JSON values of the wrong type for each shape type
    "structure": ["s", 1, 1.5, True, [1], []],
    "map": ["s", 7, 2.5, False, ["a"]],
    "list": ["s", 3, 0.5, True, {"a": 1}, {}],
    "string": [1, 0, -1.25, True, False, ["s"], {"s": "s"}],
    "integer": ["1", "abc", 1.5, True, [1], {"n": 1}],
    "long": ["1", "", 2.25, False, [], {}],
    "float": ["1.0", "NaN", True, [1.0], {}],
    "double": ["1.0", "x", False, [], {"d": 1}],
    "boolean": ["true", 1, 0, 1.0, [True], {}],
    "blob": [1, True, [1], {"b": 1}, "not base64!"],
    "timestamp": [True, [1], {"t": 1}, "yesterday", "2020-13-45T99:99:99Z"],
}


def walk(value, shape, path=()):
    """(path, shape) of every typed node of ``value`` (document contents excluded)."""
    yield path, shape
    kind = shape.type_name
    if kind == "structure" and not shape.is_document_type and isinstance(value, dict):
        for name, item in value.items():
            if name in shape.members:
                yield from walk(item, shape.members[name], path + (name,))
    elif kind == "list" and isinstance(value, list):
        for i, item in enumerate(value):
            yield from walk(item, shape.member, path + (i,))
    elif kind == "map" and isinstance(value, dict):
        for key, item in value.items():
            yield from walk(item, shape.value, path + (key,))


def replace(value, path, new):
    if not path:
        return new
    value[path[0]] = replace(value[path[0]], path[1:], new)
    return value


def json_ops(rng: random.Random, n: int):
    pool = [(svc, op) for svc in JSON_SERVICES for op in service_model(svc).operation_names]
    return [rng.choice(pool) for _ in range(n)]


def json_headers(service: str, operation: str, **extra) -> dict[str, str]:
    return {"X-Amz-Target": f"{JSON_SERVICES[service]}.{operation}", "Content-Type": JSON_CT[service],
            "Authorization": auth("dynamodb" if service == "dynamodbstreams" else service), **extra}


def huge_number_body(service: str, operation: str, shape, rng: random.Random) -> bytes:
    """A huge or overflowing number in a numeric member, chosen so that the request cannot be valid."""
    always_bad = ["1e400", "-1e400", "9" * 5000]  # inf for an integer member; too many digits for any JSON parser
    members = [(n, m) for n, m in (shape.members.items() if shape is not None else [])
               if m.type_name in ("integer", "long", "float", "double")]
    if not members:
        return b'{"Limit": 1e99999, '  # no numeric member: an overflowing float in a truncated body
    name, member = rng.choice(members)
    choices = ["9" * 5000]
    if member.type_name in ("integer", "long"):
        choices += always_bad
    if member.metadata.get("max") is not None:
        choices.append("1" + "0" * 30)
    if member.metadata.get("min") is not None:
        choices.append("-" + "9" * 40)
    return f'{{"{name}": {rng.choice(choices)}}}'.encode()


# --- the cases --------------------------------------------------------------------------------

def wrong_type_cases(rng: random.Random) -> list[Case]:
    cases = []
    for service, operation in json_ops(rng, 140):
        shape = service_model(service).operation_model(operation).input_shape
        if shape is None:
            continue
        value = sample(shape, rng)
        nodes = [(p, s) for p, s in walk(value, shape) if p and not (s.type_name == "structure" and s.is_document_type)]
        if not nodes:
            value = rng.choice([[], "x", 1, None, True])  # wrong type at the top level
        else:
            path, node_shape = rng.choice(nodes)
            value = replace(value, path, rng.choice(WRONG[node_shape.type_name]))
        cases.append(Case(f"wrong-type {service}.{operation}", json.dumps(value).encode(),
                          json_headers(service, operation)))
    return cases


def broken_json_cases(rng: random.Random) -> list[Case]:
    cases = []
    for service, operation in json_ops(rng, 120):
        shape = service_model(service).operation_model(operation).input_shape
        text = json.dumps(sample(shape, rng) if shape is not None else {"a": 1})
        kind = rng.choice(["truncated", "garbage", "noise", "utf8", "top", "huge", "dup", "deep", "surrogate"])
        if kind == "truncated":
            body = text[: rng.randint(1, max(1, len(text) - 1))].encode()
        elif kind == "garbage":
            body = "".join(rng.choice('{}[]":,\\ abc01-.eE') for _ in range(rng.randint(1, 60))).encode()
            body = b"{" + body  # never an empty body (which is a valid {})
        elif kind == "noise":
            body = bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 200))) + b"\xff"
        elif kind == "utf8":
            body = text.encode()[:-1] + rng.choice([b'"\xff\xfe"', b'"\xc3\x28"', b'"\xed\xa0\x80"', b'"\x80"']) + b"}"
            body = b'{"X":' + body
        elif kind == "top":
            body = rng.choice([b"[]", b"[1,2]", b'"s"', b"1", b"true", b"null", b"1e999"])
        elif kind == "huge":
            body = huge_number_body(service, operation, shape, rng)
        elif kind == "dup":  # the last of duplicated keys wins, and it has the wrong type
            members = list(shape.members.items()) if shape is not None else []
            if members:
                name, member = rng.choice(members)
                first, last = sample(member, rng), rng.choice(WRONG[member.type_name])
                body = f'{{"{name}": {json.dumps(first)}, "{name}": {json.dumps(last)}}}'.encode()
            else:
                body = b'{"A": 1, "A": 2'
        elif kind == "deep":
            depth = rng.choice([200, 5_000, 100_000])
            body = b"[" * depth + b"]" * depth
        else:  # a lone surrogate (valid JSON escape, not a Unicode character) in a string member
            strings = [n for n, m in (shape.members.items() if shape is not None else []) if m.type_name == "string"]
            name = rng.choice(strings) if strings else "Unmodeled"
            lone = rng.choice(["\\ud800", "a\\udfffb", "\\ud83d", "x\\udc00\\ud800"])
            body = f'{{"{name}": "{lone}"}}'.encode()
        cases.append(Case(f"{kind} {service}.{operation}", body, json_headers(service, operation)))
    # A recursive shape (AttributeValue) nested so deep that it parses as JSON but not as a structure.
    for depth in (200, 400, 450, 5_000):
        item = '{"M": {"k": ' * depth + '{"S": "v"}' + "}}" * depth
        body = f'{{"TableName": "t", "Item": {{"k": {item}}}, "ReturnValues": 7}}'.encode()
        cases.append(Case(f"deep-item {depth}", body, json_headers("dynamodb", "PutItem")))
    return cases


def target_cases(rng: random.Random) -> list[Case]:
    targets = ["AmazonSQS.NoSuchOperation", "AWSEvents", "AWSEvents.", ".ListQueues", "DynamoDB_20120810.listTables",
               "Foo.Bar", "AmazonSNS.Publish", "DynamoDBStreams_20120810.PutItem", "AWSEvents.ListQueues", "-",
               "AmazonSQS.ListQueues.Extra", "dynamodb_20120810.ListTables", "AWSEvents.\u00e9", "AWSEvents.%20",
               "AmazonSQS.Send\tMessage", "A" * 3000]
    cases = []
    for target in targets:
        for body in (b"{}", b"", b"not json"):
            cases.append(Case(f"target {target[:30]!r}", body, {"X-Amz-Target": target.encode("utf-8"),
                                                                 "Content-Type": "application/x-amz-json-1.0"}))
    # JSON bodies sent with the wrong content type (the target decides the protocol)
    for service, operation in json_ops(rng, 20):
        ct = rng.choice([FORM_CT, "text/plain", "application/xml", "", "application/json; charset=latin-1"])
        body = rng.choice([b"Action=ListQueues&Version=2012-11-05", b"<xml/>", b"{", b"[1]"])
        cases.append(Case(f"content-type {ct!r} {service}.{operation}", body,
                          {**json_headers(service, operation), "Content-Type": ct}))
    return cases


def query_cases(rng: random.Random) -> list[Case]:
    cases = []
    models = {name: service_model(name) for name in QUERY_VERSIONS}
    signing = {"sqs-query": "sqs", "sns": "sns"}
    for name, model in models.items():
        version = QUERY_VERSIONS[name]
        required_ops = [op for op in model.operation_names if model.operation_model(op).input_shape is not None
                        and model.operation_model(op).input_shape.required_members]
        typed = [(op, member, mshape.type_name) for op in model.operation_names
                 for shape in [model.operation_model(op).input_shape] if shape is not None
                 for member, mshape in shape.members.items() if mshape.type_name in ("integer", "boolean")]
        for op in required_ops:  # missing required parameters
            cases.append(Case(f"missing {name}.{op}", f"Action={op}&Version={version}".encode(),
                              {"Content-Type": FORM_CT, "Authorization": auth(signing[name])}))
        for op, member, kind in typed:  # scalars that do not convert
            for bad in (["abc", "1.5", "", "0x10", "9" * 5000, "²", "1e3"] if kind == "integer" else ["yes", "1", "", "TRUE "]):
                form = httpx.QueryParams({"Action": op, "Version": version, member: bad})
                cases.append(Case(f"scalar {name}.{op}.{member}={bad[:10]!r}", str(form).encode(),
                                  {"Content-Type": FORM_CT}))
        for _ in range(12):  # odd keys on an operation that has required members (so never valid)
            op = rng.choice(required_ops)
            key = rng.choice(["Attribute..Name", "Attribute.x.Value", "Tags.member.0.Key", "...", ".", "Entries.²",
                              "Attributes.entry.².key", "MessageAttribute.1.Value.StringListValue.9999999999",
                              "Attribute.1", "Tag.1.Key.Extra", "a" * 2000, "Entries.member.1.Id.x"])
            form = f"Action={op}&Version={version}&{key}=v&{key}.1=w"
            cases.append(Case(f"keys {name}.{op} {key[:20]!r}", form.encode(), {"Content-Type": FORM_CT}))
    bad_forms = [
        b"", b"Version=2012-11-05", b"Action=&Version=2010-03-31", b"Action=NoSuchThing", b"Action=NoSuchThing&Version=2012-11-05",
        b"Action=List%zzQueues", b"Action=ListQueues&QueueNamePrefix=%ff", b"Action=ListTopics&NextToken=%c3%28",
        b"Action=ListQueues&QueueNamePrefix=%ED%A0%80", b"Action=Publish&Message=%", b"Action=ListQueues%",
        b"Action=AddPermission", b"Action=RemovePermission&Version=1999-01-01", b"\xff\xfe\x00Action=ListTopics",
        b"Action=ListTopics\xff", b"=&=&&&=", b"Action=ListQueues&Action=Nope", b"Action", b"Action=CreateTopic\x00",
        b"%41ction=Nope", b"Action=Subscribe&Version=2010-03-31&TopicArn=arn&Protocol=sqs&Attributes.entry.1.value=v"
        b"&Attributes.entry.1.key=", b"Action=Unsubscribe;SubscriptionArn=x", b"Action=SendMessage&Version=2012-11-05",
    ]
    for body in bad_forms:
        for ct in (FORM_CT, "text/plain"):
            cases.append(Case(f"form {body[:40]!r} {ct[:10]}", body, {"Content-Type": ct}))
    noise = [bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 120))) for _ in range(10)]
    cases += [Case("form noise", b + b"\xff", {"Content-Type": FORM_CT}) for b in noise]
    # GET, other methods, queue-URL paths
    cases += [
        Case("get no action", b"", method="GET"),
        Case("get unknown action", b"", method="GET", query="Action=Nope&Version=2012-11-05"),
        Case("get bad encoding", b"", method="GET", query="Action=ListQueues&QueueNamePrefix=%ff"),
        Case("get missing", b"", method="GET", query="Action=GetQueueUrl"),
        Case("put", b"{}", method="PUT"),
        Case("delete", b"", method="DELETE", path="/000000000000/q"),
        Case("queue path missing body", b"Action=SendMessage", {"Content-Type": FORM_CT}, path="/000000000000/q"),
        Case("queue path unknown", b"Action=Publish&Message=m", {"Content-Type": FORM_CT}, path="/000000000000/q"),
        Case("queue path bad int", b"Action=ReceiveMessage&MaxNumberOfMessages=ten", {"Content-Type": FORM_CT},
             path="/000000000000/q"),
        Case("odd path", b"", path="/%ff/%00/..", query="Action=%"),
    ]
    return cases


def all_cases() -> dict[str, list[Case]]:
    rng = random.Random(SEED)
    return {"wrong-types": wrong_type_cases(rng), "broken-json": broken_json_cases(rng),
            "targets": target_cases(rng), "query": query_cases(rng)}


CASES = all_cases()


@pytest.fixture(scope="module")
def fuzz_server():
    # Its own server: a case that hit an implemented handler must not touch the shared one.
    srv = ThreadServer(clock="fake", sqs_delete_recently_rule=False, sqs_purge_rule=False).start()
    yield srv
    srv.stop()


def problems_of(response: httpx.Response, case: Case) -> list[str]:
    out = []
    text = response.content.decode("utf-8", "replace")
    if not (400 <= response.status_code < 500 or response.status_code == 501):
        out.append(f"status {response.status_code}")
    if "Traceback" in text or 'File "' in text:
        out.append("stack trace in the body")
    if case.json:
        try:
            body = json.loads(response.content)
            if "__type" not in body:
                out.append("JSON error without __type")
        except ValueError:
            out.append("JSON error body is not JSON")
        if not response.headers.get("content-type", "").startswith("application/x-amz-json-1."):
            out.append(f"content type {response.headers.get('content-type')}")
    else:
        if "<ErrorResponse" not in text or "<Code>" not in text:
            out.append("query error without <ErrorResponse>/<Code>")
    if not response.headers.get("x-amzn-requestid"):
        out.append("no x-amzn-RequestId")
    if response.status_code == 501 and "not implemented" not in text:
        out.append("501 that does not say the operation is not implemented")
    return out


@pytest.mark.parametrize("group", list(CASES))
def test_malformed_requests_get_aws_errors(fuzz_server, group):
    failures = []
    with httpx.Client(base_url=fuzz_server.url, timeout=30) as http:
        for case in CASES[group]:
            url = case.path + (f"?{case.query}" if case.query else "")
            request = http.build_request(case.method, url, content=case.body, headers=case.headers)
            if case.query:  # keep the raw query string, bad escapes included
                request.url = request.url.copy_with(raw_path=(case.path + "?" + case.query).encode("latin-1"))
            response = http.send(request)
            found = problems_of(response, case)
            if found:
                failures.append(f"{case.name}: {', '.join(found)} -> {response.status_code} {response.content[:300]!r}")
    assert not failures, f"{len(failures)} of {len(CASES[group])} cases failed:\n" + "\n".join(failures[:40])
    # The server is still healthy after the group.
    assert httpx.get(f"{fuzz_server.url}/_sluice/health", timeout=10).status_code == 200


def test_fuzz_is_deterministic_and_large_enough():
    again = all_cases()
    assert [[c.body for c in cases] for cases in again.values()] == [[c.body for c in cases] for cases in CASES.values()]
    total = sum(len(cases) for cases in CASES.values())
    print(f"\nfuzz cases: {total} ({', '.join(f'{k}={len(v)}' for k, v in CASES.items())})")
    assert total >= 300


# --- generated inputs over every implemented operation -------------------------------------------------

FUZZ_CASES = int(os.environ.get("SLUICE_FUZZ_CASES", "600"))
FUZZ_SEED = int(os.environ.get("SLUICE_FUZZ_SEED", str(SEED)))
CHUNK = 500
QUERY_MODELS = ("sqs-query", "sns", "sts")
SIGNING = {"sqs": "sqs", "sqs-query": "sqs", "sns": "sns", "sts": "sts", "events": "events", "dynamodb": "dynamodb",
           "dynamodbstreams": "dynamodb"}
ACCOUNT = "000000000000"
QUEUE_URL, SUB_ARN = "__QUEUE_URL__", "__SUBSCRIPTION_ARN__"  # replaced by the live resources when sent
TOPIC_ARN = f"arn:aws:sns:us-east-1:{ACCOUNT}:fuzz"
QUEUE_ARN = f"arn:aws:sqs:us-east-1:{ACCOUNT}:fuzz"
# Top-level members that name a resource: pointed at the live ones, so that validation runs past
# "does not exist" to the values themselves.
RESOURCES = {"QueueUrl": QUEUE_URL, "QueueName": "fuzz", "TopicArn": TOPIC_ARN, "SubscriptionArn": SUB_ARN,
             "TableName": "fuzz", "Rule": "fuzz", "EventBusName": "default", "ResourceArn": TOPIC_ARN}
RULE_OPERATIONS = {"PutRule", "DescribeRule", "DeleteRule", "EnableRule", "DisableRule"}
# JSON documents carried as attribute values (Attributes maps, AttributeName/AttributeValue pairs).
JSON_ATTRIBUTES = {"sqs": ("Policy", "RedrivePolicy", "RedriveAllowPolicy"),
                   "sns": ("Policy", "DeliveryPolicy", "FilterPolicy", "RedrivePolicy", "DataProtectionPolicy",
                           "ArchivePolicy", "ReplayPolicy")}
ODD_INDEXES = ["0", "-1", "٥", "99999999999999999999", "1.5", "", "01"]


def fuzz_operations() -> list[tuple[str, str]]:
    """(model, operation) of every implemented operation, SQS in both of its protocols."""
    load_handlers()
    return [(model, op) for model in ("sqs", "sqs-query", "sns", "sts", "events", "dynamodb", "dynamodbstreams")
            for op in implemented("sqs" if model == "sqs-query" else model)]


def _json_default(value):
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, set):
        return sorted(value)
    raise TypeError(type(value).__name__)


_QUERY_SERIALIZER = create_serializer("query", include_validation=False)


def query_pairs(model: str, operation: str, value: dict) -> list[tuple[str, str]]:
    """The form of ``value`` as botocore's query serializer writes it (Action and Version included)."""
    op = service_model(model).operation_model(operation)
    try:
        body = _QUERY_SERIALIZER.serialize_to_request(value, op)["body"]
    except Exception:  # a value the serializer cannot write (a wrong type): the bare action
        body = {"Action": operation, "Version": service_model(model).api_version}
    return [(k, v if isinstance(v, str) else str(v)) for k, v in body.items()]


def generated_value(model: str, operation: str, seed: int, edge: bool) -> tuple[object, dict]:
    shape = service_model(model).operation_model(operation).input_shape
    if shape is None:
        return None, {}
    value: dict = {}
    for required_only in (False, True):
        try:
            value = ShapeGen(seed=seed, edge=edge, required_only=required_only,
                             min_map=1 if model in QUERY_MODELS else 0).value(shape)
            break
        except (Unsatisfiable, RecursionError):
            continue
    for name, resource in RESOURCES.items():
        if name in value and shape.members[name].type_name == "string":
            value[name] = resource
    if model == "events" and "Name" in value and operation in RULE_OPERATIONS:
        value["Name"] = "fuzz"
    if "WaitTimeSeconds" in value:
        value["WaitTimeSeconds"] = 0  # a long poll would wait in real time
    return shape, value


def encode_case(name: str, model: str, operation: str, value, *, pairs: list | None = None) -> Case:
    if model in QUERY_MODELS:
        if pairs is None:
            pairs = query_pairs(model, operation, value)
        body = urlencode(pairs).encode()
        return Case(name, body, {"Content-Type": FORM_CT, "Authorization": auth(SIGNING[model])})
    service = model
    body = json.dumps(value, default=_json_default).encode()
    return Case(name, body, {"X-Amz-Target": f"{JSON_SERVICES[service]}.{operation}", "Content-Type": JSON_CT[service],
                             "Authorization": auth(SIGNING[model])})


def nested_cases() -> list[Case]:
    """Every JSON-carrying parameter of every implemented operation, nested too deep."""
    cases = []
    for index, (model, operation) in enumerate(fuzz_operations()):
        shape, value = generated_value(model, operation, SEED + index, edge=False)
        if shape is None:
            continue
        service = "sqs" if model == "sqs-query" else model
        variants = []
        for path, node in list(typed_paths(value, shape)):
            name = next((p for p in reversed(path) if isinstance(p, str)), "")
            if path and isinstance(path[-1], str) and carries_json(name, node):
                variants.append((".".join(map(str, path)), path, None))
        for key in JSON_ATTRIBUTES.get(service, ()):
            if "Attributes" in shape.members and shape.members["Attributes"].type_name == "map":
                variants.append((f"Attributes.{key}", ("Attributes",), key))
            if "AttributeName" in shape.members and "AttributeValue" in shape.members:
                variants.append((f"AttributeName={key}", ("AttributeValue",), key))
        for label, path, key in variants:
            for depth, kind in ((1_000, "object"), (MAX_DEPTH + 1, "array")):
                doc = nested_json(depth, kind)
                changed = json.loads(json.dumps(value, default=_json_default))
                if key is None:
                    changed = set_at(changed, path, doc)
                elif path == ("Attributes",):
                    changed["Attributes"] = {key: doc}
                else:
                    changed["AttributeName"], changed["AttributeValue"] = key, doc
                cases.append(encode_case(f"nested {model}.{operation} {label} {depth}", model, operation, changed))
    return cases


def _mutate_json(value, shape, rng: random.Random) -> tuple[str, object]:
    kind = rng.choices(["valid", "violation", "wrong-type", "hostile-text", "drop"], [1, 4, 2, 2, 1])[0]
    nodes = [(p, s) for p, s in typed_paths(value, shape) if p and not (s.type_name == "structure" and s.is_document_type)]
    if kind == "valid" or not nodes:
        return kind, value
    path, node = rng.choice(nodes)
    label = f"{kind} {'.'.join(map(str, path))}"
    if kind == "violation":
        current = value
        for part in path:
            current = current[part]
        return label, set_at(value, path, rng.choice(violations(node, rng, current)))
    if kind == "wrong-type":
        return label, set_at(value, path, rng.choice(WRONG[node.type_name]))
    if kind == "hostile-text":
        strings = [(p, s) for p, s in nodes if s.type_name == "string"] or [(path, node)]
        path, _ = rng.choice(strings)
        return f"{kind} {'.'.join(map(str, path))}", set_at(value, path, rng.choice(HOSTILE_TEXT))
    parent = value  # drop: remove one member (often a required one)
    for part in path[:-1]:
        parent = parent[part]
    if isinstance(parent, dict):
        parent.pop(path[-1], None)
    return label, value


def _mutate_query(pairs: list[tuple[str, str]], rng: random.Random) -> tuple[str, list]:
    kind = rng.choices(["valid", "hostile-value", "nested", "dup-key", "odd-index", "drop-key"], [1, 4, 1, 1, 2, 1])[0]
    fields = [i for i, (k, _) in enumerate(pairs) if k not in ("Action", "Version")]
    if kind == "valid" or (not fields and kind != "dup-key"):
        return kind, pairs
    pairs = list(pairs)
    i = rng.choice(fields) if fields else 0
    key, old = pairs[i]
    if kind == "hostile-value":
        pairs[i] = (key, rng.choice(HOSTILE_TEXT))
    elif kind == "nested":
        pairs[i] = (key, nested_json(1_000, rng.choice(["object", "array"])))
    elif kind == "dup-key":
        pairs.append((key, old + "x"))
    elif kind == "odd-index":
        parts = key.split(".")
        numeric = [j for j, part in enumerate(parts) if part.isdigit()]
        if numeric:
            parts[rng.choice(numeric)] = rng.choice(ODD_INDEXES)
        else:
            parts.append(rng.choice(ODD_INDEXES))
        pairs[i] = (".".join(parts), old)
    else:
        del pairs[i]
    return f"{kind} {key}", pairs


@cache
def shape_cases(count: int, seed: int) -> list[Case]:
    """``count`` generated cases, every implemented operation in turn, each with one hostile change."""
    rng = random.Random(seed)
    operations = fuzz_operations()
    cases = []
    for i in range(count):
        model, operation = operations[i % len(operations)]
        shape, value = generated_value(model, operation, seed + i, edge=rng.random() < 0.3)
        if model in QUERY_MODELS:
            label, pairs = _mutate_query(query_pairs(model, operation, value), rng)
            cases.append(encode_case(f"#{i} {model}.{operation} {label}", model, operation, None, pairs=pairs))
        else:
            if shape is not None:
                value = json.loads(json.dumps(value, default=_json_default))
                label, value = _mutate_json(value, shape, rng)
            else:
                label = "no input"
            cases.append(encode_case(f"#{i} {model}.{operation} {label}", model, operation, value))
    return cases


def ensure_resources(url: str) -> dict[str, str]:
    """The queue, topic, subscription, rule and table the generated cases name (made again after a
    case deleted one); returns the placeholders' values."""
    from tests.conftest import make_client

    sqs, sns, events, ddb = (make_client(url, s) for s in ("sqs", "sns", "events", "dynamodb"))
    queue_url = sqs.create_queue(QueueName="fuzz")["QueueUrl"]
    sns.create_topic(Name="fuzz")
    subscription = sns.subscribe(TopicArn=TOPIC_ARN, Protocol="sqs", Endpoint=QUEUE_ARN,
                                 ReturnSubscriptionArn=True)["SubscriptionArn"]
    events.put_rule(Name="fuzz", EventPattern='{"source": ["fuzz"]}')
    try:
        ddb.create_table(TableName="fuzz", AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
                         KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST")
    except ddb.exceptions.ResourceInUseException:
        pass
    return {QUEUE_URL: queue_url, SUB_ARN: subscription}


def fuzz_problems(response: httpx.Response, case: Case) -> list[str]:
    """A generated case may succeed or fail, but never with a 5xx or a body its parser cannot read."""
    out = []
    if response.status_code >= 500:
        out.append(f"status {response.status_code}")
    text = response.content.decode("utf-8", "replace")
    if "Traceback" in text:
        out.append("stack trace in the body")
    if case.json:
        try:
            json.loads(response.content or b"{}")
        except ValueError:
            out.append("body is not JSON")
    else:
        try:
            ET.fromstring(response.content)
        except ET.ParseError as exc:
            out.append(f"body is not XML: {exc}")
    return out


def run_generated(url: str, cases: list[Case]) -> list[str]:
    failures = []
    with httpx.Client(base_url=url, timeout=60) as http:
        for n, case in enumerate(cases):
            if n % 100 == 0:
                live = ensure_resources(url)
            body = case.body
            for placeholder, actual in live.items():
                actual_text = actual if case.json else quote_plus(actual)
                body = body.replace(placeholder.encode(), actual_text.encode())
            response = http.post("/", content=body, headers=case.headers)
            found = fuzz_problems(response, case)
            if found:
                failures.append(f"{case.name}: {', '.join(found)} -> {response.status_code} {response.content[:200]!r}")
    return failures


@pytest.fixture(scope="module")
def generated_server():
    srv = ThreadServer(clock="fake", sqs_delete_recently_rule=False, sqs_purge_rule=False).start()
    yield srv
    srv.stop()


def test_every_json_carrying_parameter_nested_too_deep_is_no_5xx(generated_server):
    cases = nested_cases()
    assert len(cases) >= 60, len(cases)
    failures = run_generated(generated_server.url, cases)
    assert not failures, f"{len(failures)} of {len(cases)} cases failed:\n" + "\n".join(failures[:40])


@pytest.mark.parametrize("start", range(0, FUZZ_CASES, CHUNK))
def test_generated_inputs_of_every_operation_are_no_5xx(generated_server, start):
    cases = shape_cases(FUZZ_CASES, FUZZ_SEED)[start:start + CHUNK]
    failures = run_generated(generated_server.url, cases)
    assert not failures, f"{len(failures)} of {len(cases)} cases failed:\n" + "\n".join(failures[:40])
    assert httpx.get(f"{generated_server.url}/_sluice/health", timeout=10).status_code == 200


def test_the_generated_fuzz_covers_every_operation_and_is_seeded():
    operations = fuzz_operations()
    cases = shape_cases(len(operations), FUZZ_SEED)
    named = {c.name.split()[1] for c in cases}
    assert named == {f"{m}.{o}" for m, o in operations}
    assert [c.body for c in shape_cases(50, FUZZ_SEED)] == [c.body for c in shape_cases(50, FUZZ_SEED)]
