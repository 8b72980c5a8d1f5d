import assert from "node:assert/strict";
import { test } from "node:test";

import { CreateTopicCommand, PublishCommand, SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";

import { config, unique } from "./common.mjs";

const sns = new SNSClient(config);  // the query protocol
const sqs = new SQSClient(config);

test("SNS fans out to an SQS queue: the envelope, attributes and a filter policy", async () => {
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: unique("js-topic") }));
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: unique("js-sub") }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }));
  const { SubscriptionArn } = await sns.send(new SubscribeCommand({
    TopicArn, Protocol: "sqs", Endpoint: Attributes.QueueArn, ReturnSubscriptionArn: true,
    Attributes: { FilterPolicy: JSON.stringify({ colour: ["blue"] }) },
  }));
  assert.match(SubscriptionArn, new RegExp(`^${TopicArn}:`));

  await sns.send(new PublishCommand({
    TopicArn, Message: "red one", MessageAttributes: { colour: { DataType: "String", StringValue: "red" } },
  }));
  const { MessageId } = await sns.send(new PublishCommand({
    TopicArn, Message: "blue one", Subject: "hello",
    MessageAttributes: { colour: { DataType: "String", StringValue: "blue" } },
  }));

  const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 5 }));
  assert.equal(Messages.length, 1, "the filter policy let only the blue message through");
  const envelope = JSON.parse(Messages[0].Body);
  assert.equal(envelope.Type, "Notification");
  assert.equal(envelope.MessageId, MessageId);
  assert.equal(envelope.TopicArn, TopicArn);
  assert.equal(envelope.Message, "blue one");
  assert.equal(envelope.Subject, "hello");
  assert.deepEqual(envelope.MessageAttributes.colour, { Type: "String", Value: "blue" });
  assert.ok(envelope.Signature && envelope.SigningCertURL);
});

test("SNS errors reach the SDK with their modeled names", async () => {
  await assert.rejects(
    sns.send(new PublishCommand({ TopicArn: "arn:aws:sns:us-east-1:000000000000:no-such-topic", Message: "x" })),
    (error) => error.name === "NotFoundException" && error.$metadata.httpStatusCode === 404,
  );
});
