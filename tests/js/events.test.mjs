import assert from "node:assert/strict";
import { test } from "node:test";

import {
  EventBridgeClient, PutEventsCommand, PutRuleCommand, PutTargetsCommand, TestEventPatternCommand,
} from "@aws-sdk/client-eventbridge";
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";

import { config, unique } from "./common.mjs";

const events = new EventBridgeClient(config);
const sqs = new SQSClient(config);

const event = {
  id: "7bf73129-1428-4cd3-a780-95db273d1602", "detail-type": "Order Placed", source: "shop.orders",
  account: "000000000000", time: "2026-01-01T00:00:00Z", region: "us-east-1", resources: [],
  detail: { total: 120, currency: "EUR" },
};

test("TestEventPattern matches as EventBridge does", async () => {
  const matches = async (pattern) => (await events.send(new TestEventPatternCommand({
    EventPattern: JSON.stringify(pattern), Event: JSON.stringify(event),
  }))).Result;
  assert.equal(await matches({ source: ["shop.orders"], detail: { total: [{ numeric: [">", 100] }] } }), true);
  assert.equal(await matches({ source: ["shop.orders"], detail: { currency: [{ "anything-but": "EUR" }] } }), false);
});

test("PutEvents reaches an SQS target through a rule", async () => {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: unique("js-events") }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }));
  const rule = unique("js-rule");
  await events.send(new PutRuleCommand({ Name: rule, EventPattern: JSON.stringify({ source: ["shop.orders"] }) }));
  await events.send(new PutTargetsCommand({ Rule: rule, Targets: [{ Id: "queue", Arn: Attributes.QueueArn }] }));
  const put = await events.send(new PutEventsCommand({
    Entries: [{ Source: "shop.orders", DetailType: "Order Placed", Detail: JSON.stringify({ total: 5 }) }],
  }));
  assert.equal(put.FailedEntryCount, 0);
  const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 5 }));
  const delivered = JSON.parse(Messages[0].Body);
  assert.equal(delivered.source, "shop.orders");
  assert.equal(delivered["detail-type"], "Order Placed");
  assert.deepEqual(delivered.detail, { total: 5 });
  assert.equal(delivered.id, put.Entries[0].EventId);
});
