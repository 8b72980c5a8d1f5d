"""The query protocol (AWS CLI v1, older SDKs): form posts, XML answers, legacy error codes; and peeking."""

import hashlib
import xml.etree.ElementTree as ET

import httpx
import pytest

NS = {"q": "http://queue.amazonaws.com/doc/2012-11-05/"}


@pytest.fixture
def post(sluice):
    def call(path="/", **form):
        form.setdefault("Version", "2012-11-05")
        response = httpx.post(sluice.url + path, data=form, timeout=10)
        return response, ET.fromstring(response.content)
    return call


def test_create_send_receive_delete_over_query(post, sluice):
    response, xml = post(Action="CreateQueue", QueueName="qq", **{"Attribute.1.Name": "VisibilityTimeout",
                                                                  "Attribute.1.Value": "15"})
    assert response.status_code == 200
    url = xml.find("q:CreateQueueResult/q:QueueUrl", NS).text
    assert url == f"{sluice.url}/000000000000/qq"
    _, xml = post(Action="SendMessage", QueueUrl=url, MessageBody="hi <&>", **{
        "MessageAttribute.1.Name": "k", "MessageAttribute.1.Value.DataType": "String",
        "MessageAttribute.1.Value.StringValue": "v"})
    assert xml.find("q:SendMessageResult/q:MD5OfMessageBody", NS).text == hashlib.md5(b"hi <&>").hexdigest()
    assert xml.find("q:SendMessageResult/q:MD5OfMessageAttributes", NS) is not None
    _, xml = post(Action="ReceiveMessage", QueueUrl=url, **{"AttributeName.1": "All", "MessageAttributeName.1": "All"})
    message = xml.find("q:ReceiveMessageResult/q:Message", NS)
    assert message.find("q:Body", NS).text == "hi <&>"
    attributes = {a.find("q:Name", NS).text: a.find("q:Value", NS).text for a in message.findall("q:Attribute", NS)}
    assert attributes["ApproximateReceiveCount"] == "1"
    assert message.find("q:MessageAttribute/q:Name", NS).text == "k"
    handle = message.find("q:ReceiptHandle", NS).text
    response, _ = post(Action="DeleteMessage", QueueUrl=url, ReceiptHandle=handle)
    assert response.status_code == 200
    _, xml = post(Action="GetQueueAttributes", QueueUrl=url, **{"AttributeName.1": "All"})
    values = {a.find("q:Name", NS).text: a.find("q:Value", NS).text
              for a in xml.findall("q:GetQueueAttributesResult/q:Attribute", NS)}
    assert values["VisibilityTimeout"] == "15" and values["ApproximateNumberOfMessagesNotVisible"] == "0"


def test_post_to_the_queue_url_path(post):
    post(Action="CreateQueue", QueueName="pathq")
    response, xml = post("/000000000000/pathq", Action="SendMessage", MessageBody="via path")
    assert response.status_code == 200
    _, xml = post("/000000000000/pathq", Action="ReceiveMessage")
    assert xml.find("q:ReceiveMessageResult/q:Message/q:Body", NS).text == "via path"
    _, xml = post(Action="ListQueues")
    assert [u.text.rsplit("/", 1)[1] for u in xml.findall("q:ListQueuesResult/q:QueueUrl", NS)] == ["pathq"]


@pytest.mark.parametrize("form,code,status", [
    ({"Action": "GetQueueUrl", "QueueName": "nope"}, "AWS.SimpleQueueService.NonExistentQueue", 400),
    ({"Action": "SendMessageBatch", "QueueUrl": "/000000000000/eq", "SendMessageBatchRequestEntry.1.Id": "a",
      "SendMessageBatchRequestEntry.1.MessageBody": "x", "SendMessageBatchRequestEntry.2.Id": "a",
      "SendMessageBatchRequestEntry.2.MessageBody": "y"}, "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", 400),
    ({"Action": "CreateQueue", "QueueName": "eq", "Attribute.1.Name": "VisibilityTimeout",
      "Attribute.1.Value": "99"}, "QueueAlreadyExists", 400),
    ({"Action": "GetQueueAttributes", "QueueUrl": "/000000000000/eq", "AttributeName.1": "Bogus"},
     "InvalidAttributeName", 400),
    ({"Action": "SendMessage", "QueueUrl": "/000000000000/eq"}, "MissingParameter", 400),
])
def test_legacy_error_codes(post, form, code, status):
    post(Action="CreateQueue", QueueName="eq")
    response, xml = post(**form)
    assert response.status_code == status
    assert xml.find("q:Error/q:Code", NS).text == code
    assert xml.find("q:Error/q:Type", NS).text == "Sender"


def test_purge_rule_is_403_over_query(post):
    post(Action="CreateQueue", QueueName="pq")
    post("/000000000000/pq", Action="PurgeQueue")
    response, xml = post("/000000000000/pq", Action="PurgeQueue")
    assert response.status_code == 403
    assert xml.find("q:Error/q:Code", NS).text == "AWS.SimpleQueueService.PurgeQueueInProgress"


def test_peek_endpoints_do_not_change_messages(client, admin, sluice):
    sqs = client("sqs")
    url = sqs.create_queue(QueueName="peek")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="one", MessageAttributes={"b": {"DataType": "Binary",
                                                                              "BinaryValue": b"\x01"}})
    sqs.send_message(QueueUrl=url, MessageBody="two")
    sqs.receive_message(QueueUrl=url)  # "one" is in flight now
    ours = admin.get("/_sluice/sqs/messages", params={"QueueUrl": url}).json()["messages"]
    assert [(m["Body"], m["State"]) for m in ours] == [("one", "inflight"), ("two", "visible")]
    assert ours[0]["MessageAttributes"]["b"]["BinaryValue"] == "AQ=="
    assert ours[0]["Attributes"]["ApproximateReceiveCount"] == "1"
    # LocalStack's endpoint: visible only by default, ReceiveMessage-shaped.
    response = admin.get("/_aws/sqs/messages", params={"QueueUrl": url},
                         headers={"Content-Type": "application/x-amz-json-1.0"})
    assert [m["Body"] for m in response.json()["Messages"]] == ["two"]
    xml = ET.fromstring(admin.get("/_aws/sqs/messages", params={"QueueUrl": url, "ShowInvisible": "true"}).content)
    assert [b.text for b in xml.findall("q:ReceiveMessageResult/q:Message/q:Body", NS)] == ["one", "two"]
    again = admin.get("/_sluice/sqs/messages", params={"QueueUrl": url}).json()["messages"]
    assert again[1]["Attributes"]["ApproximateReceiveCount"] == "0"
    assert admin.get("/_sluice/sqs/messages", params={"QueueUrl": url + "-missing"}).status_code == 400


def test_deliver_interface_for_other_services(client, sluice):
    sqs = client("sqs")
    url = sqs.create_queue(QueueName="target.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    arn = "arn:aws:sqs:us-east-1:000000000000:target.fifo"
    service = sluice.emulator.sqs

    def deliver(uow):
        assert service.queue_exists(uow, arn)
        assert not service.queue_exists(uow, arn + "x")
        first = service.deliver(uow, arn, "from sns", group_id="g", dedup_id="d1",
                                message_attributes={"a": {"DataType": "String", "StringValue": "v"}},
                                source_arn="arn:aws:sns:us-east-1:000000000000:topic.fifo")
        duplicate = service.deliver(uow, arn, "from sns again", group_id="g", dedup_id="d1")
        return first, duplicate

    first, duplicate = sluice.call(sluice.emulator.store.transaction, deliver)
    assert first == duplicate
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"])["Messages"]
    assert [(m["MessageId"], m["Body"]) for m in got] == [(first, "from sns")]
    assert got[0]["MessageAttributes"]["a"]["StringValue"] == "v"

    def missing(uow):
        service.deliver(uow, "arn:aws:sqs:us-east-1:000000000000:nope", "x")

    with pytest.raises(Exception) as err:
        sluice.call(sluice.emulator.store.transaction, missing)
    assert type(err.value).__name__ == "QueueDoesNotExist"
