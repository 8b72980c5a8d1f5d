import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";

import {
  CreateQueueCommand, DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand,
  SendMessageBatchCommand, SendMessageCommand, SQSClient,
} from "@aws-sdk/client-sqs";

import { config, md5OfMessageAttributes, unique } from "./common.mjs";

const sqs = new SQSClient(config);  // MD5 of every body sent and received is checked by the SDK itself

const md5 = (text) => createHash("md5").update(text, "utf8").digest("hex");

test("send and receive with attributes: the SDK's MD5 checks pass, attribute digests match AWS's algorithm", async () => {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: unique("js-md5") }));
  const attributes = {
    Colour: { DataType: "String", StringValue: "blue ✓" },
    Count: { DataType: "Number", StringValue: "42" },
    Blob: { DataType: "Binary", BinaryValue: new Uint8Array([0, 1, 2, 250]) },
    Kind: { DataType: "String.custom", StringValue: "x" },
  };
  const body = "héllo 🌊 from JavaScript";
  const sent = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: body, MessageAttributes: attributes }));
  assert.equal(sent.MD5OfMessageBody, md5(body));
  assert.equal(sent.MD5OfMessageAttributes, md5OfMessageAttributes(attributes));

  const { Messages } = await sqs.send(new ReceiveMessageCommand({
    QueueUrl, MessageAttributeNames: ["All"], MessageSystemAttributeNames: ["All"], WaitTimeSeconds: 5,
  }));
  assert.equal(Messages.length, 1);
  const [message] = Messages;
  assert.equal(message.Body, body);
  assert.equal(message.MD5OfBody, md5(body));
  assert.equal(message.MD5OfMessageAttributes, md5OfMessageAttributes(message.MessageAttributes));
  assert.deepEqual([...message.MessageAttributes.Blob.BinaryValue], [0, 1, 2, 250]);
  assert.equal(message.MessageAttributes.Colour.StringValue, "blue ✓");
  assert.equal(message.Attributes.ApproximateReceiveCount, "1");
});

test("batches: every entry's MD5 checked by the SDK, then deleted in a batch", async () => {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: unique("js-batch") }));
  const Entries = Array.from({ length: 10 }, (_, i) => ({ Id: `m${i}`, MessageBody: `body ${i} ${"x".repeat(i * 100)}` }));
  const sent = await sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries }));
  assert.equal(sent.Successful.length, 10);
  assert.equal(sent.Failed?.length ?? 0, 0);

  const received = [];
  while (received.length < 10) {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    received.push(...Messages);
  }
  assert.deepEqual(received.map((m) => m.Body).sort(), Entries.map((e) => e.MessageBody).sort());
  const deleted = await sqs.send(new DeleteMessageBatchCommand({
    QueueUrl, Entries: received.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle })),
  }));
  assert.equal(deleted.Successful.length, 10);
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["All"] }));
  assert.equal(Attributes.ApproximateNumberOfMessages, "0");
  assert.equal(Attributes.ApproximateNumberOfMessagesNotVisible, "0");
});

test("long polling: an empty queue holds the call for WaitTimeSeconds, a send answers a waiting call", async () => {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: unique("js-poll") }));
  let started = Date.now();
  const empty = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }));
  assert.equal(empty.Messages, undefined);
  assert.ok(Date.now() - started >= 900, `an empty long poll returned after ${Date.now() - started} ms`);

  started = Date.now();
  const waiting = sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 20 }));
  await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "wake up" }));
  const { Messages } = await waiting;
  assert.equal(Messages[0].Body, "wake up");
  assert.ok(Date.now() - started < 10000, "the long poll was not answered by the send");
});

test("errors: a missing queue is QueueDoesNotExist, with its legacy query code", async () => {
  await assert.rejects(
    sqs.send(new ReceiveMessageCommand({ QueueUrl: `${config.endpoint}/000000000000/${unique("nope")}` })),
    (error) => {
      assert.equal(error.name, "QueueDoesNotExist");
      assert.equal(error.$metadata.httpStatusCode, 400);
      return true;
    },
  );
});
