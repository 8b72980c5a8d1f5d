// What every JS test shares: the endpoint of the Sluice server the pytest wrapper started, and clients.
import { createHash } from "node:crypto";

export const endpoint = process.env.SLUICE_ENDPOINT;
if (!endpoint) {
  throw new Error("SLUICE_ENDPOINT is not set: run this suite through tests/integration/test_js_sdk.py");
}

export const config = {
  endpoint,
  region: "us-east-1",
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
  maxAttempts: 1,
};

export const unique = (prefix) => `${prefix}-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;

// AWS's MD5 of message attributes: for each attribute by name, length-prefixed name, type and value
// (a transport byte 1 for strings and numbers, 2 for binary). Written from the SQS documentation,
// independently of Sluice's Python implementation.
export function md5OfMessageAttributes(attributes) {
  const hash = createHash("md5");
  const lengthPrefixed = (bytes) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    hash.update(length);
    hash.update(bytes);
  };
  for (const name of Object.keys(attributes).sort()) {
    const { DataType, StringValue, BinaryValue } = attributes[name];
    lengthPrefixed(Buffer.from(name, "utf8"));
    lengthPrefixed(Buffer.from(DataType, "utf8"));
    if (BinaryValue !== undefined) {
      hash.update(Buffer.from([2]));
      lengthPrefixed(Buffer.from(BinaryValue));
    } else {
      hash.update(Buffer.from([1]));
      lengthPrefixed(Buffer.from(StringValue, "utf8"));
    }
  }
  return hash.digest("hex");
}

// Wait for a condition, polling it (never a fixed delay): the value once truthy, or an error after `ms`.
export async function waitFor(condition, ms = 20000, what = "condition") {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}
