// The sandbox's test controls driven from TypeScript, over plain HTTP: a
// key's clock, a trigger, webhook retries that fall due when the clock
// moves, a resend, and the live call log (Server-Sent Events read with
// fetch). scripts/ts-story-check runs it after story.mts, against the same
// sandbox. The controls are the sandbox's own endpoints (/sandbox/v1),
// outside the API's spec, so their shapes are declared here.

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";

declare const process: { env: Record<string, string | undefined> };

type KeyClock = { now: string; wallClock: string; offset: string; offsetSeconds: number; moved?: string };
type TriggerResult = {
  event: string;
  payments: { paymentKey: string; orderId: string; status: string; accountExpired?: boolean }[];
  deliveries: { id: string; eventType: string }[];
};
type Delivery = { transmissionId: string; state: string; resentFrom?: string; attempts: { retriedCount: number; at: string }[] };

const base = process.env["TOSS_BASE_URL"];
if (!base) {
  throw new Error("set TOSS_BASE_URL");
}
// Two keys of our own: the controls of one must not touch the other.
const run = Date.now();
const mine = `test_sk_tscontrols${run}a`;
const theirs = `test_sk_tscontrols${run}b`;

let step = 0;
function ok(what: string, detail: string): void {
  step++;
  console.log(`controls ${step}\t${what}\t${detail}`);
}
function expect(cond: boolean, what: string): asserts cond {
  if (!cond) {
    throw new Error(`controls step ${step + 1}: ${what}`);
  }
}

async function call<T>(key: string, method: string, path: string, body?: unknown): Promise<{ status: number; data: T }> {
  const init: RequestInit = { method, headers: { Authorization: `Basic ${btoa(`${key}:`)}`, "Content-Type": "application/json" } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
  }
  const r = await fetch(`${base}${path}`, init);
  const text = await r.text();
  return { status: r.status, data: (text ? JSON.parse(text) : null) as T };
}

// A receiver that always answers 500, so every retry is made.
type Hit = { id: string; retried: number; time: string; body: string };
const hits: Hit[] = [];
let arrived: (() => void) | undefined;
const receiver = createServer((req: IncomingMessage, res: ServerResponse) => {
  let body = "";
  req.on("data", (c: Buffer) => (body += c.toString()));
  req.on("end", () => {
    hits.push({
      id: String(req.headers["tosspayments-webhook-transmission-id"]),
      retried: Number(req.headers["tosspayments-webhook-transmission-retried-count"]),
      time: String(req.headers["tosspayments-webhook-transmission-time"]),
      body,
    });
    res.writeHead(500).end("not today");
    arrived?.();
  });
});
await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
const addr = receiver.address();
expect(addr !== null && typeof addr === "object", "receiver address");
const hookUrl = `http://127.0.0.1:${addr.port}/hooks`;

async function until(what: string, cond: () => boolean): Promise<void> {
  const deadline = Date.now() + 15000;
  while (!cond()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise<void>((resolve) => {
      arrived = resolve;
      setTimeout(resolve, 50);
    });
  }
}

try {
  // 1. Register the receiver; a trigger makes a card payment DONE.
  expect((await call(mine, "PUT", "/sandbox/v1/webhook-endpoint", { url: hookUrl })).status === 200, "register");
  const trig = await call<TriggerResult>(mine, "POST", "/sandbox/v1/triggers/payment.done");
  const p = trig.data.payments[0];
  expect(trig.status === 200 && p !== undefined && p.status === "DONE" && trig.data.deliveries.length === 1, `trigger: ${JSON.stringify(trig.data)}`);
  await until("the first attempt", () => hits.length === 1);
  ok("trigger payment.done", `${p.orderId} DONE, webhook ${hits[0]?.id} answered 500`);

  // 2. The other key's clock, and a READY payment of its own.
  const ready = await call<{ paymentKey: string; status: string }>(theirs, "POST", "/v1/payments",
    { method: "CARD", amount: 15000, orderId: `ts-clock-${run}`, orderName: "T", returnUrl: "http://localhost/return" });
  expect(ready.status === 200 && ready.data.status === "READY", "the other key's payment");

  // 3. Advance my clock 7 days: every retry of Toss's schedule is sent, in
  // order, stamped 1, 4, 16, 64, 256, 1024 and 4096 minutes apart.
  const adv = await call<KeyClock>(mine, "POST", "/sandbox/v1/clock", { advance: "7d" });
  expect(adv.status === 200 && adv.data.offsetSeconds === 7 * 86400 && adv.data.moved === "168h0m0s", `advance: ${JSON.stringify(adv.data)}`);
  await until("eight attempts", () => hits.length === 8);
  const gaps = hits.slice(1).map((h, i) => (Date.parse(h.time) - Date.parse(hits[i]?.time ?? "")) / 60000);
  expect(JSON.stringify(gaps) === JSON.stringify([1, 4, 16, 64, 256, 1024, 4096]), `gaps ${JSON.stringify(gaps)}`);
  expect(hits.every((h, i) => h.retried === i && h.id === hits[0]?.id), "retried counts in order, one transmission id");
  // The sandbox records an attempt once it has read the answer: wait for
  // the eighth to be recorded.
  let failed = await call<Delivery>(mine, "GET", `/sandbox/v1/webhook-deliveries/${hits[0]?.id}`);
  for (let i = 0; i < 300 && failed.data.state !== "FAILED"; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    failed = await call<Delivery>(mine, "GET", `/sandbox/v1/webhook-deliveries/${hits[0]?.id}`);
  }
  expect(failed.status === 200 && failed.data.state === "FAILED" && failed.data.attempts.length === 8, `delivery: ${failed.data.state}`);
  ok("clock advance 7d", `8 attempts, gaps ${gaps.join(",")} minutes, then FAILED`);

  // 4. The other key did not move: its clock, its READY payment.
  const their = await call<KeyClock>(theirs, "GET", "/sandbox/v1/clock");
  const still = await call<{ status: string }>(theirs, "GET", `/v1/payments/${ready.data.paymentKey}`);
  expect(their.data.offsetSeconds === 0 && still.data.status === "READY", `other key: ${their.data.offset} ${still.data.status}`);
  ok("another key's clock", `offset ${their.data.offset}, its payment still READY`);

  // 5. Never backwards.
  const back = await call<{ code: string }>(mine, "POST", "/sandbox/v1/clock", { to: "2001-01-01T00:00:00+09:00" });
  expect(back.status === 400 && back.data.code === "INVALID_REQUEST", "backwards refused");
  ok("clock backwards", `${back.status} ${back.data.code}`);

  // 6. Resend: a new transmission of the same event; another key cannot.
  const before = hits.length;
  const stolen = await call<{ code: string }>(theirs, "POST", `/sandbox/v1/webhook-deliveries/${hits[0]?.id}/resend`);
  expect(stolen.status === 404, `another key's resend: ${stolen.status}`);
  const again = await call<Delivery>(mine, "POST", `/sandbox/v1/webhook-deliveries/${hits[0]?.id}/resend`);
  expect(again.status === 202 && again.data.resentFrom === hits[0]?.id, `resend: ${again.status}`);
  await until("the resent webhook", () => hits.length > before);
  const resent = hits[before];
  expect(resent !== undefined && resent.id === again.data.transmissionId && resent.body === hits[0]?.body && resent.retried === 0, "resent body");
  ok("resend", `${hits[0]?.id} again as ${resent.id}, same body`);

  // 7. A trigger that needs time: the virtual account expires.
  const exp = await call<TriggerResult>(mine, "POST", "/sandbox/v1/triggers/virtual-account.expired");
  expect(exp.status === 200 && exp.data.payments[0]?.accountExpired === true, `expired: ${JSON.stringify(exp.data)}`);
  ok("trigger virtual-account.expired", `${exp.data.payments[0]?.status}, account expired`);

  // 8. The live log: follow 4xx calls, make one, read it as it happens.
  const ac = new AbortController();
  const stream = await fetch(`${base}/sandbox/v1/logs?status=4xx`, {
    headers: { Authorization: `Basic ${btoa(`${mine}:`)}` }, signal: ac.signal,
  });
  expect(stream.status === 200 && stream.headers.get("content-type") === "text/event-stream" && stream.body !== null, "stream");
  const reader = stream.body.getReader();
  await reader.read(); // the stream's opening comment: the follower is registered
  await call(mine, "GET", `/v1/payments/orders/ts-missing-${run}`);
  let text = "";
  while (!text.includes("\n\n") || !text.includes("event: call")) {
    const { value, done } = await reader.read();
    expect(!done, "the stream ended");
    text += new TextDecoder().decode(value);
  }
  ac.abort();
  const data = text.split("\n").find((l) => l.startsWith("data: {"))?.slice(6) ?? "{}";
  const logged = JSON.parse(data) as { status: number; code: string; path: string; traceId: string; durationMs: number };
  expect(logged.status === 404 && logged.code === "NOT_FOUND_PAYMENT" && logged.path.endsWith(`ts-missing-${run}`) && logged.traceId !== "",
    `logged: ${data}`);
  ok("logs stream", `${logged.status} ${logged.code} ${logged.path} in ${logged.durationMs}ms`);
} finally {
  await call(mine, "DELETE", "/sandbox/v1/webhook-endpoint");
  receiver.close();
}
console.log("The TypeScript controls went as expected.");
