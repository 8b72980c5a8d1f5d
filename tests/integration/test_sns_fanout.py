"""SNS -> SQS fan-out: envelopes, raw delivery, filter policies in both scopes, FIFO order, failures, DLQs,
and what Publish / PublishBatch accept."""

import json

import pytest
from botocore.exceptions import ClientError


def error(excinfo):
    return excinfo.value.response["Error"]["Code"], excinfo.value.response["Error"]["Message"], \
        excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"]


def make_queue(sqs, name, **attributes):
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def drain(sqs, url):
    out = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"],
                                  WaitTimeSeconds=0).get("Messages", [])
        if not got:
            return out
        out += got
        for m in got:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


def test_fan_out_to_several_queues_raw_enveloped_and_filtered(client):
    sns, sqs = client("sns"), client("sqs")
    topic = sns.create_topic(Name="orders")["TopicArn"]
    (env_url, env_arn), (raw_url, raw_arn) = make_queue(sqs, "env"), make_queue(sqs, "raw")
    (attr_url, attr_arn), (body_url, body_arn) = make_queue(sqs, "by-attr"), make_queue(sqs, "by-body")
    sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=env_arn)["SubscriptionArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=raw_arn, Attributes={"RawMessageDelivery": "true"})
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=attr_arn,
                  Attributes={"FilterPolicy": json.dumps({"store": ["eu"], "price": [{"numeric": [">", 10]}]})})
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=body_arn,
                  Attributes={"FilterPolicy": json.dumps({"order": {"kind": [{"prefix": "big"}]}}),
                              "FilterPolicyScope": "MessageBody"})
    attrs = {"store": {"DataType": "String", "StringValue": "eu"}, "price": {"DataType": "Number", "StringValue": "20"},
             "blob": {"DataType": "Binary", "BinaryValue": b"\x00\xff"}}
    body = json.dumps({"order": {"kind": "bigone"}})
    first = sns.publish(TopicArn=topic, Message=body, Subject="New order", MessageAttributes=attrs)["MessageId"]
    sns.publish(TopicArn=topic, Message=json.dumps({"order": {"kind": "small"}}),
                MessageAttributes={"store": {"DataType": "String", "StringValue": "us"}})

    enveloped = [json.loads(m["Body"]) for m in drain(sqs, env_url)]
    assert len(enveloped) == 2
    doc = enveloped[0]
    assert list(doc)[:2] == ["Type", "MessageId"] and doc["Type"] == "Notification"
    assert doc["MessageId"] == first and doc["TopicArn"] == topic and doc["Subject"] == "New order"
    assert doc["Message"] == body and doc["SignatureVersion"] == "1" and doc["Signature"]
    assert doc["Timestamp"].endswith("Z") and len(doc["Timestamp"]) == 24
    assert doc["SigningCertURL"].endswith(".pem") and "Action=Unsubscribe" in doc["UnsubscribeURL"]
    assert doc["UnsubscribeURL"].endswith(f"?Action=Unsubscribe&SubscriptionArn={sub}")  # plain colons, as AWS
    assert doc["MessageAttributes"] == {"store": {"Type": "String", "Value": "eu"},
                                        "price": {"Type": "Number", "Value": "20"},
                                        "blob": {"Type": "Binary", "Value": "AP8="}}
    assert "Subject" not in enveloped[1]

    raw = drain(sqs, raw_url)
    assert [m["Body"] for m in raw] == [body, json.dumps({"order": {"kind": "small"}})]
    assert raw[0]["MessageAttributes"]["store"] == {"StringValue": "eu", "DataType": "String"}
    assert raw[0]["MessageAttributes"]["price"] == {"StringValue": "20", "DataType": "Number"}
    assert raw[0]["MessageAttributes"]["blob"] == {"BinaryValue": b"\x00\xff", "DataType": "Binary"}

    assert [json.loads(m["Body"])["MessageId"] for m in drain(sqs, attr_url)] == [first]
    assert [json.loads(m["Body"])["MessageId"] for m in drain(sqs, body_url)] == [first]


def test_message_structure_json_per_protocol(client):
    sns, sqs = client("sns"), client("sqs")
    topic = sns.create_topic(Name="t")["TopicArn"]
    url, arn = make_queue(sqs, "q")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
    sns.subscribe(TopicArn=topic, Protocol="sms", Endpoint="+15555550100")
    sns.publish(TopicArn=topic, MessageStructure="json",
                Message=json.dumps({"default": "fallback", "sqs": "for queues"}))
    assert [m["Body"] for m in drain(sqs, url)] == ["for queues"]
    for message, text in [("not json", "JSON message body failed to parse"),
                          (json.dumps({"sqs": "x"}), "No default entry in JSON message body")]:
        with pytest.raises(ClientError) as err:
            sns.publish(TopicArn=topic, MessageStructure="json", Message=message)
        assert error(err) == ("InvalidParameter", f"Invalid parameter: Message Structure - {text}", 400)


@pytest.mark.parametrize("kwargs,code,message", [
    ({"Message": ""}, "InvalidParameter", "Invalid parameter: Empty message"),
    ({"Message": "x", "Subject": "line\nbreak"}, "InvalidParameter", "Invalid parameter: Subject"),
    ({"Message": "x", "Subject": "s" * 101}, "InvalidParameter", "Invalid parameter: Subject"),
    ({"Message": "x" * 262_145}, "InvalidParameter", "Invalid parameter: Message too long"),
    ({"Message": "x", "MessageAttributes": {"a": {"DataType": "Date", "StringValue": "x"}}},
     "ParameterValueInvalid", "has an invalid message attribute type"),
    ({"Message": "x", "MessageAttributes": {"a": {"DataType": "Number", "StringValue": "abc"}}},
     "ParameterValueInvalid", "Could not cast message attribute 'a' value to number."),
    ({"Message": "x", "MessageAttributes": {"a": {"DataType": "String", "StringValue": ""}}},
     "ParameterValueInvalid", "must contain non-empty message attribute value"),
    ({"Message": "x", "MessageAttributes": {"a": {"DataType": "String.Array", "StringValue": "[1, {}]"}}},
     "ParameterValueInvalid", "String.Array"),
    ({"Message": "x", "MessageDeduplicationId": "d"}, "InvalidParameter", "MessageDeduplicationId"),
])
def test_publish_validation(client, kwargs, code, message):
    sns = client("sns")
    topic = sns.create_topic(Name="t")["TopicArn"]
    with pytest.raises(ClientError) as err:
        sns.publish(TopicArn=topic, **kwargs)
    got_code, got_message, status = error(err)
    assert (got_code, status) == (code, 400) and message in got_message


def test_maximum_message_size_is_per_topic(client):
    sns = client("sns")
    topic = sns.create_topic(Name="big", Attributes={"MaximumMessageSize": "1048576"})["TopicArn"]
    assert sns.publish(TopicArn=topic, Message="x" * 1_000_000)["MessageId"]
    small = sns.create_topic(Name="small", Attributes={"MaximumMessageSize": "2048"})["TopicArn"]
    with pytest.raises(ClientError) as err:
        sns.publish(TopicArn=small, Message="x" * 2049)
    assert error(err)[1] == "Invalid parameter: Message too long"


def test_missing_queue_is_a_delivery_failure_sent_to_the_dlq(client, admin):
    sns, sqs = client("sns"), client("sqs")
    topic = sns.create_topic(Name="t")["TopicArn"]
    dlq_url, dlq_arn = make_queue(sqs, "dlq")
    gone = "arn:aws:sqs:us-east-1:000000000000:gone"
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=gone,
                  Attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn})})
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint="arn:aws:sqs:us-east-1:000000000000:gone-too")
    message_id = sns.publish(TopicArn=topic, Message="hello")["MessageId"]   # not the publisher's problem
    dead = drain(sqs, dlq_url)
    assert len(dead) == 1 and json.loads(dead[0]["Body"])["Message"] == "hello"
    log = admin.get("/_sluice/deliveries", params={"kind": "sns.sqs"}).json()
    statuses = {row["target"]: (row["status"], row["message_id"]) for row in log}
    assert statuses[gone] == ("dead-lettered", message_id)
    assert statuses["arn:aws:sqs:us-east-1:000000000000:gone-too"][0] == "dropped"
    assert all(row["error"].startswith("QueueDoesNotExist") for row in log)


def test_publish_batch(client):
    sns, sqs = client("sns"), client("sqs")
    topic = sns.create_topic(Name="t")["TopicArn"]
    url, arn = make_queue(sqs, "q")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
    result = sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=[
        {"Id": "a", "Message": "one"}, {"Id": "b", "Message": ""},
        {"Id": "c", "Message": "three", "MessageAttributes": {"n": {"DataType": "Number", "StringValue": "1"}}}])
    assert [s["Id"] for s in result["Successful"]] == ["a", "c"]
    assert result["Failed"] == [{"Id": "b", "Code": "InvalidParameter", "Message": "Invalid parameter: Empty message",
                                 "SenderFault": True}]
    assert sorted(m["Body"] for m in drain(sqs, url)) == ["one", "three"]
    for entries, code in [([], "EmptyBatchRequest"),
                          ([{"Id": str(i), "Message": "x"} for i in range(11)], "TooManyEntriesInBatchRequest"),
                          ([{"Id": "a", "Message": "x"}, {"Id": "a", "Message": "y"}], "BatchEntryIdsNotDistinct"),
                          ([{"Id": "bad id!", "Message": "x"}], "InvalidBatchEntryId"),
                          ([{"Id": str(i), "Message": "x" * 30_000} for i in range(10)], "BatchRequestTooLong")]:
        with pytest.raises(ClientError) as err:
            sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=entries)
        assert error(err)[0] == code


def test_fifo_fan_out_keeps_one_order_in_every_queue(client):
    sns, sqs = client("sns"), client("sqs")
    topic = sns.create_topic(Name="t.fifo", Attributes={"FifoTopic": "true"})["TopicArn"]
    queues = [make_queue(sqs, f"q{i}.fifo", FifoQueue="true") for i in range(3)]
    for _, arn in queues:
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
    sequence = []
    for i in range(12):
        out = sns.publish(TopicArn=topic, Message=f"m{i}", MessageGroupId=f"g{i % 2}",
                          MessageDeduplicationId=f"d{i}")
        sequence.append(out["SequenceNumber"])
    assert sequence == sorted(sequence) and len(set(sequence)) == 12 and all(len(s) == 20 for s in sequence)
    orders = []
    for url, _ in queues:
        bodies = [m["Body"] for m in drain(sqs, url)]
        for group in ("0", "1"):
            in_group = [b for b in bodies if int(b[1:]) % 2 == int(group)]
            assert in_group == sorted(in_group, key=lambda b: int(b[1:]))
        orders.append(bodies)
    assert orders[0] == orders[1] == orders[2] and len(orders[0]) == 12


def test_fifo_deduplication_and_rules(client):
    sns, sqs = client("sns"), client("sqs")
    topic = sns.create_topic(Name="t.fifo", Attributes={"FifoTopic": "true", "ContentBasedDeduplication": "true"})[
        "TopicArn"]
    url, arn = make_queue(sqs, "q.fifo", FifoQueue="true")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    first = sns.publish(TopicArn=topic, Message="same", MessageGroupId="g")
    again = sns.publish(TopicArn=topic, Message="same", MessageGroupId="g")
    assert again["MessageId"] == first["MessageId"] and again["SequenceNumber"] == first["SequenceNumber"]
    got = drain(sqs, url)
    assert len(got) == 1
    doc = json.loads(got[0]["Body"])
    assert doc["SequenceNumber"] == first["SequenceNumber"] and doc["Message"] == "same"
    with pytest.raises(ClientError) as err:
        sns.publish(TopicArn=topic, Message="x")
    assert error(err) == ("InvalidParameter",
                          "Invalid parameter: The MessageGroupId parameter is required for FIFO topics", 400)
    plain = sns.create_topic(Name="p.fifo", Attributes={"FifoTopic": "true"})["TopicArn"]
    with pytest.raises(ClientError) as err:
        sns.publish(TopicArn=plain, Message="x", MessageGroupId="g")
    assert "ContentBasedDeduplication" in error(err)[1]


def test_captured_protocols(client, admin):
    sns = client("sns")
    topic = sns.create_topic(Name="t")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint="arn:aws:lambda:us-east-1:000000000000:function:f")
    sns.subscribe(TopicArn=topic, Protocol="sms", Endpoint="+15555550100")
    message_id = sns.publish(TopicArn=topic, Message="ping", Subject="s")["MessageId"]
    captured = admin.get("/_sluice/sns/messages").json()
    by_protocol = {row["protocol"]: row for row in captured}
    event = by_protocol["lambda"]["payload"]["Records"][0]
    assert event["EventSource"] == "aws:sns" and event["Sns"]["Message"] == "ping"
    assert event["Sns"]["MessageId"] == message_id and event["Sns"]["SigningCertUrl"].endswith(".pem")
    assert by_protocol["sms"]["payload"]["Message"] == "ping" and by_protocol["sms"]["target"] == "+15555550100"


def test_async_delivery_setting_goes_through_the_outbox():
    import httpx

    from tests.conftest import make_client
    from tests.server import ThreadServer
    server = ThreadServer(clock="fake", delivery="async").start()
    try:
        sns, sqs = make_client(server.url, "sns"), make_client(server.url, "sqs")
        topic = sns.create_topic(Name="t")["TopicArn"]
        url, arn = make_queue(sqs, "q")
        dlq_url, dlq_arn = make_queue(sqs, "dlq")
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint="arn:aws:sqs:us-east-1:000000000000:gone",
                      Attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn})})
        sns.publish(TopicArn=topic, Message="later")
        httpx.post(f"{server.url}/_sluice/clock/advance", json={"seconds": 0}).raise_for_status()
        assert [json.loads(m["Body"])["Message"] for m in drain(sqs, url)] == ["later"]
        assert [json.loads(m["Body"])["Message"] for m in drain(sqs, dlq_url)] == ["later"]
        log = httpx.get(f"{server.url}/_sluice/deliveries", params={"kind": "sns.sqs"}).json()
        assert sorted(row["status"] for row in log) == ["dead-lettered", "delivered"]
        assert all(row["outbox_id"] is not None for row in log)
    finally:
        server.stop()


@pytest.mark.parametrize("scope, delivered", [("MessageGroup", ["A", "B"]), ("Topic", ["A"])])
def test_fifo_deduplication_follows_the_throughput_scope(client, scope, delivered):
    # PublishRequest.MessageDeduplicationId: with FifoThroughputScope=MessageGroup, per message group.
    sns, sqs = client("sns"), client("sqs")
    topic = sns.create_topic(Name="t.fifo", Attributes={"FifoTopic": "true", "FifoThroughputScope": scope})["TopicArn"]
    url, arn = make_queue(sqs, "q.fifo", FifoQueue="true", DeduplicationScope="messageGroup",
                          FifoThroughputLimit="perMessageGroupId")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    a = sns.publish(TopicArn=topic, Message="for A", MessageGroupId="A", MessageDeduplicationId="same")
    b = sns.publish(TopicArn=topic, Message="for B", MessageGroupId="B", MessageDeduplicationId="same")
    again = sns.publish(TopicArn=topic, Message="A again", MessageGroupId="A", MessageDeduplicationId="same")
    assert (again["MessageId"], again["SequenceNumber"]) == (a["MessageId"], a["SequenceNumber"])
    assert (b["MessageId"] != a["MessageId"]) == (scope == "MessageGroup")
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["MessageGroupId"],
                              WaitTimeSeconds=0).get("Messages", [])
    assert [m["Attributes"]["MessageGroupId"] for m in got] == delivered


def test_raw_delivery_of_more_than_ten_attributes_to_sqs_is_a_client_error(client, admin):
    # SNS DG, "Amazon SNS message attributes": discarded as client-side errors (so: DLQ, or dropped).
    sns, sqs = client("sns"), client("sqs")
    topic = sns.create_topic(Name="t")["TopicArn"]
    (raw_url, raw_arn), (bare_url, bare_arn) = make_queue(sqs, "raw"), make_queue(sqs, "raw-no-dlq")
    (env_url, env_arn), (dlq_url, dlq_arn) = make_queue(sqs, "env"), make_queue(sqs, "dlq")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=raw_arn,
                  Attributes={"RawMessageDelivery": "true", "RedrivePolicy": json.dumps({"deadLetterTargetArn":
                                                                                          dlq_arn})})
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=bare_arn, Attributes={"RawMessageDelivery": "true"})
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=env_arn)
    ten = {f"a{i}": {"DataType": "String", "StringValue": "v"} for i in range(10)}
    sns.publish(TopicArn=topic, Message="ten", MessageAttributes=ten)
    eleven = sns.publish(TopicArn=topic, Message="eleven", MessageAttributes={**ten, "a10": ten["a0"]})["MessageId"]
    assert [m["Body"] for m in drain(sqs, raw_url)] == ["ten"]
    assert [m["Body"] for m in drain(sqs, bare_url)] == ["ten"]
    assert len(drain(sqs, env_url)) == 2          # an envelope carries its attributes in the body: delivered
    assert [m["Body"] for m in drain(sqs, dlq_url)] == ["eleven"]
    log = [d for d in admin.get("/_sluice/deliveries", params={"kind": "sns.sqs"}).json()
           if d["message_id"] == eleven]
    assert sorted((d["target"], d["status"]) for d in log) == sorted(
        [(raw_arn, "dead-lettered"), (bare_arn, "dropped"), (env_arn, "delivered")])
    assert all("at most 10" in d["error"] for d in log if d["status"] != "delivered")


def test_message_structure_json_delivers_no_message_attributes(client):
    # SNS DG: "Message attributes are sent only when the message structure is String, not JSON".
    sns, sqs = client("sns"), client("sqs")
    topic = sns.create_topic(Name="t")["TopicArn"]
    (env_url, env_arn), (raw_url, raw_arn) = make_queue(sqs, "env"), make_queue(sqs, "raw")
    (flt_url, flt_arn) = make_queue(sqs, "filtered")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=env_arn)
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=raw_arn, Attributes={"RawMessageDelivery": "true"})
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=flt_arn, Attributes={"FilterPolicy": '{"k": ["v"]}'})
    attrs = {"k": {"DataType": "String", "StringValue": "v"}}
    sns.publish(TopicArn=topic, Message=json.dumps({"default": "d", "sqs": "s"}), MessageStructure="json",
                MessageAttributes=attrs)
    sns.publish(TopicArn=topic, Message="plain", MessageAttributes=attrs)
    enveloped = {json.loads(m["Body"])["Message"]: json.loads(m["Body"]) for m in drain(sqs, env_url)}
    assert "MessageAttributes" not in enveloped["s"]
    assert enveloped["plain"]["MessageAttributes"] == {"k": {"Type": "String", "Value": "v"}}
    raw = {m["Body"]: m.get("MessageAttributes") for m in drain(sqs, raw_url)}
    assert raw == {"s": None, "plain": {"k": {"DataType": "String", "StringValue": "v"}}}
    assert len(drain(sqs, flt_url)) == 2           # filtering still sees the published attributes


@pytest.mark.parametrize("value, code", [
    ("12345678901", None), ("-99999999999.5", None), ("1" * 38, None), ("1e126", None), ("1e-128", None),
    ("0.000", None),
    ("Infinity", "ParameterValueInvalid"), ("NaN", "ParameterValueInvalid"), ("1e127", "ParameterValueInvalid"),
    ("1e-129", "ParameterValueInvalid"), ("1" * 39, "ParameterValueInvalid"), ("1_000", "ParameterValueInvalid"),
])
def test_number_attributes_have_aws_range_and_precision(client, value, code):
    sns = client("sns")
    topic = sns.create_topic(Name="t")["TopicArn"]
    attrs = {"n": {"DataType": "Number", "StringValue": value}}
    if code is None:
        assert sns.publish(TopicArn=topic, Message="m", MessageAttributes=attrs)["MessageId"]
        return
    with pytest.raises(ClientError) as err:
        sns.publish(TopicArn=topic, Message="m", MessageAttributes=attrs)
    assert error(err)[0] == code and error(err)[2] == 400
