import assert from "node:assert/strict";
import { test } from "node:test";

import {
  CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageBatchCommand, SQSClient,
} from "@aws-sdk/client-sqs";
import { Consumer } from "sqs-consumer";

import { config, unique, waitFor } from "./common.mjs";

const sqs = new SQSClient(config);
const MAX_RECEIVE_COUNT = 2;

test("sqs-consumer: messages whose handler fails land in the DLQ after maxReceiveCount attempts", async () => {
  const dlq = await sqs.send(new CreateQueueCommand({ QueueName: unique("js-dlq") }));
  const { Attributes: dlqAttributes } = await sqs.send(new GetQueueAttributesCommand({
    QueueUrl: dlq.QueueUrl, AttributeNames: ["QueueArn"],
  }));
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({
    QueueName: unique("js-work"),
    Attributes: {
      VisibilityTimeout: "30",
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqAttributes.QueueArn, maxReceiveCount: MAX_RECEIVE_COUNT }),
    },
  }));
  const bodies = ["ok-1", "fail-1", "ok-2", "fail-2", "ok-3", "fail-3"];
  await sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: bodies.map((b, i) => ({ Id: `e${i}`, MessageBody: b })) }));

  const attempts = new Map();
  const handled = new Set();
  const consumer = Consumer.create({
    queueUrl: QueueUrl,
    sqs,
    batchSize: 10,
    waitTimeSeconds: 1,
    pollingWaitTimeMs: 0,
    terminateVisibilityTimeout: true,  // a failed message is visible again at once (ChangeMessageVisibility 0)
    handleMessage: async (message) => {
      attempts.set(message.Body, (attempts.get(message.Body) ?? 0) + 1);
      if (message.Body.startsWith("fail")) throw new Error(`cannot handle ${message.Body}`);
      handled.add(message.Body);
      return message;
    },
  });
  const errors = [];
  consumer.on("error", (error) => errors.push(error));
  consumer.on("processing_error", () => {});  // the failures are the point of the test
  consumer.start();
  const deadLettered = [];
  try {
    await waitFor(async () => {
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({
        QueueUrl: dlq.QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 300,
      }));
      deadLettered.push(...Messages.map((m) => m.Body));
      return deadLettered.length >= 3;
    }, 60000, "three messages in the dead-letter queue");
    await waitFor(async () => {
      const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["All"] }));
      return Attributes.ApproximateNumberOfMessages === "0" && Attributes.ApproximateNumberOfMessagesNotVisible === "0";
    }, 20000, "the work queue to drain");
  } finally {
    consumer.stop({ abort: true });
  }
  assert.deepEqual(deadLettered.sort(), ["fail-1", "fail-2", "fail-3"]);
  assert.deepEqual([...handled].sort(), ["ok-1", "ok-2", "ok-3"]);
  for (const body of ["fail-1", "fail-2", "fail-3"]) {
    assert.equal(attempts.get(body), MAX_RECEIVE_COUNT, `${body} was handled ${attempts.get(body)} times`);
  }
  assert.deepEqual(errors, []);
});
