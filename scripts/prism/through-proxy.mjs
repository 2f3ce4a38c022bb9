// Runs the payment flow and the error cases through `prism proxy` and reads
// Prism's `sl-violations` header on every response. Used by
// scripts/prism-check; needs Node 20 (global fetch), no packages.
//
//   node through-proxy.mjs --proxy URL --spec openapi/dist/tosspayments.json
//       flow + every documented error, through the proxy in front of the
//       sandbox: fails on any response violation, on an unexpected status,
//       and when a declared (operation, status) pair was never answered.
//   node through-proxy.mjs --proxy URL --spec ... --self-test
//       one request through a proxy in front of an upstream that answers
//       with a broken Payment: fails unless response violations are seen,
//       proving that this reader bites.
//
// Request violations are expected only where a case sends a bad request on
// purpose (it says so); anywhere else they fail the run too.

import { readFileSync } from "node:fs";
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";

const { values: args } = parseArgs({
  options: {
    proxy: { type: "string" },
    spec: { type: "string" },
    key: { type: "string", default: "test_sk_prismcheck0000000000000" },
    "self-test": { type: "boolean", default: false },
  },
});
if (!args.proxy || !args.spec) {
  console.error("usage: node through-proxy.mjs --proxy URL --spec FILE [--self-test]");
  process.exit(2);
}
const spec = JSON.parse(readFileSync(args.spec, "utf8"));
const proxy = args.proxy.replace(/\/$/, "");
const auth = "Basic " + Buffer.from(args.key + ":").toString("base64");

// operationOf names the spec operation a request goes to; literal path
// segments win over parameters (/v1/payments/orders/{orderId} over
// /v1/payments/{paymentKey}).
const routes = Object.entries(spec.paths)
  .map(([template, item]) => ({
    params: (template.match(/\{/g) ?? []).length,
    re: new RegExp("^" + template.replace(/\{[^}]+\}/g, "[^/]+") + "$"),
    item,
  }))
  .sort((a, b) => a.params - b.params);
function operationOf(method, path) {
  const route = routes.find((r) => r.re.test(path) && r.item[method.toLowerCase()]);
  return route ? route.item[method.toLowerCase()].operationId : `(no operation) ${method} ${path}`;
}

const results = []; // { name, op, status, code, responseViolations, requestViolations }
const failures = [];
let orderSeq = 0;
const newOrderId = () => `prism-${process.pid}-${Date.now()}-${++orderSeq}`;

// call sends one request through the proxy and records what Prism said.
async function call(name, { method = "POST", path, body, headers = {}, expect, badRequest = false, brokenResponse = false }) {
  const expected = [expect].flat().filter((x) => x !== undefined);
  const h = { Accept: "application/json", ...headers };
  if (!("Authorization" in h)) h.Authorization = auth;
  if (h.Authorization === null) delete h.Authorization;
  if (body !== undefined) h["Content-Type"] = "application/json";
  if (method === "POST" && !("Idempotency-Key" in h)) h["Idempotency-Key"] = randomUUID();
  const res = await fetch(proxy + path, {
    method,
    headers: h,
    body: body === undefined ? undefined : JSON.stringify(body),
    redirect: "manual",
  });
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  const violations = JSON.parse(res.headers.get("sl-violations") ?? "[]");
  const responseViolations = violations.filter((v) => v.location?.[0] === "response");
  const requestViolations = violations.filter((v) => v.location?.[0] === "request");
  const r = {
    name, method, path, op: operationOf(method, path), status: res.status, code: json?.code,
    responseViolations, requestViolations, json,
  };
  results.push(r);
  const problems = [];
  if (expected.length && !expected.includes(res.status)) problems.push(`status ${res.status} ${json?.code ?? ""}, want ${expected.join(" or ")}`);
  if (responseViolations.length && !brokenResponse) problems.push(`response violations: ${JSON.stringify(responseViolations)}`);
  if (brokenResponse && !responseViolations.length) problems.push("Prism reported no response violation for a broken response");
  if (requestViolations.length && !badRequest) problems.push(`request violations: ${JSON.stringify(requestViolations)}`);
  if (badRequest && !requestViolations.length) problems.push("a deliberately bad request passed Prism's request validation");
  if (problems.length) failures.push(`${name}: ${method} ${path}: ${problems.join("; ")}`);
  console.log(`${problems.length ? "FAIL" : "ok  "} ${res.status} ${(json?.code ?? json?.status ?? "").toString().padEnd(34)} ${name}`);
  return r;
}

async function selfTest() {
  const r = await call("broken upstream Payment (violations expected)", { method: "GET", path: "/v1/payments/anything", brokenResponse: true });
  if (failures.length || r.responseViolations.length === 0) {
    console.error("self-test: Prism reported no response violation for a broken Payment: the reader does not bite");
    process.exit(1);
  }
  console.log(`self-test: a broken Payment gave ${r.responseViolations.length} response violations, e.g. ${r.responseViolations[0].message}`);
}

const card = {
  cardNumber: "4330123412341234",
  cardExpirationYear: "30",
  cardExpirationMonth: "12",
  customerIdentityNumber: "881212",
};

async function approve(payment) {
  // The checkout page is the sandbox's stand-in for the payment window, not
  // an API operation: it is called directly, not through the proxy.
  const res = await fetch(payment.checkout.url, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: "result=approve",
    redirect: "manual",
  });
  if (res.status !== 303) throw new Error(`checkout approve: status ${res.status}: ${await res.text()}`);
  const u = new URL(res.headers.get("location"));
  return { paymentKey: u.searchParams.get("paymentKey"), orderId: u.searchParams.get("orderId"), amount: Number(u.searchParams.get("amount")) };
}

async function flow() {
  // The payment story: create, approve in the window, confirm, look up,
  // cancel in part and in full.
  const orderId = newOrderId();
  const created = await call("create a card payment", {
    path: "/v1/payments",
    body: { method: "CARD", amount: 15000, orderId, orderName: "Toss T-shirt", returnUrl: "https://example.com/return" },
    expect: 200,
  });
  const approved = await approve(created.json);
  await call("confirm", { path: "/v1/payments/confirm", body: approved, expect: 200 });
  await call("confirm again: already processed", { path: "/v1/payments/confirm", body: approved, expect: 400 });
  await call("confirm with another amount", { path: "/v1/payments/confirm", body: { ...approved, amount: 1000 }, expect: 400 });
  await call("get by payment key", { method: "GET", path: `/v1/payments/${approved.paymentKey}`, expect: 200 });
  await call("get by order id", { method: "GET", path: `/v1/payments/orders/${orderId}`, expect: 200 });
  await call("cancel 5000 of 15000", { path: `/v1/payments/${approved.paymentKey}/cancel`, body: { cancelReason: "partial refund", cancelAmount: 5000 }, expect: 200 });
  await call("cancel more than the balance", { path: `/v1/payments/${approved.paymentKey}/cancel`, body: { cancelReason: "too much", cancelAmount: 50000 }, expect: 403 });
  await call("cancel the rest", { path: `/v1/payments/${approved.paymentKey}/cancel`, body: { cancelReason: "full refund" }, expect: 200 });
  await call("cancel a cancelled payment", { path: `/v1/payments/${approved.paymentKey}/cancel`, body: { cancelReason: "again" }, expect: 400 });

  // Idempotency: the same key replays the first response.
  const idem = randomUUID();
  const body = { method: "CARD", amount: 1000, orderId: newOrderId(), orderName: "replay", returnUrl: "https://example.com/return" };
  await call("create with an idempotency key", { path: "/v1/payments", body, headers: { "Idempotency-Key": idem }, expect: 200 });
  await call("the same key replays", { path: "/v1/payments", body, headers: { "Idempotency-Key": idem }, expect: 200 });

  // A window the customer leaves: create, fail in the window, look it up.
  const leftId = newOrderId();
  const left = await call("create, then fail in the window", {
    path: "/v1/payments",
    body: { method: "CARD", amount: 2000, orderId: leftId, orderName: "left", returnUrl: "https://example.com/return" },
    expect: 200,
  });
  await fetch(left.json.checkout.url, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: "result=fail", redirect: "manual" });
  await call("get an aborted payment", { method: "GET", path: `/v1/payments/orders/${leftId}`, expect: 200 });

  // Key-in, in Korean and in English.
  const keyIn = await call("key-in", { path: "/v1/payments/key-in", body: { amount: 3000, orderId: newOrderId(), orderName: "key-in", ...card }, expect: 200 });
  await call("key-in in English", {
    path: "/v1/payments/key-in",
    body: { amount: 3000, orderId: newOrderId(), orderName: "key-in", ...card },
    headers: { "Accept-Language": "en-US" },
    expect: 200,
  });
  await call("cancel a key-in payment", { path: `/v1/payments/${keyIn.json.paymentKey}/cancel`, body: { cancelReason: "test" }, expect: 200 });
}

// virtualAccount: the virtual-account story. The checkout page and the
// deposit are the sandbox's own endpoints, called directly; every API answer
// (WAITING_FOR_DEPOSIT with virtualAccount, DONE, the refunds) goes through
// the proxy.
async function virtualAccount() {
  const issue = async (name) => {
    const orderId = newOrderId();
    const created = await call(`${name}: create`, {
      path: "/v1/payments",
      body: { method: "VIRTUAL_ACCOUNT", amount: 30000, orderId, orderName: "hoodie", returnUrl: "https://example.com/return" },
      expect: 200,
    });
    const res = await fetch(created.json.checkout.url, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "result=approve&bank=88",
      redirect: "manual",
    });
    if (res.status !== 303) throw new Error(`checkout approve (virtual account): status ${res.status}: ${await res.text()}`);
    const u = new URL(res.headers.get("location"));
    const confirm = { paymentKey: u.searchParams.get("paymentKey"), orderId, amount: 30000 };
    const issued = await call(`${name}: confirm issues the account`, { path: "/v1/payments/confirm", body: confirm, expect: 200 });
    if (issued.json?.status !== "WAITING_FOR_DEPOSIT" || !issued.json?.virtualAccount) failures.push(`${name}: confirm answered ${issued.json?.status} without a virtual account`);
    return { key: confirm.paymentKey, origin: new URL(created.json.checkout.url).origin };
  };
  const a = await issue("virtual account");
  await call("virtual account: look-up while waiting", { method: "GET", path: `/v1/payments/${a.key}`, headers: { "Accept-Language": "en-US" }, expect: 200 });
  const dep = await fetch(`${a.origin}/sandbox/v1/virtual-accounts/${a.key}/deposit`, { method: "POST", headers: { Authorization: auth } });
  if (dep.status !== 200) failures.push(`deposit: status ${dep.status}: ${await dep.text()}`);
  await call("virtual account: look-up after the deposit", { method: "GET", path: `/v1/payments/${a.key}`, expect: 200 });
  await call("virtual account: refund without a refund account", { path: `/v1/payments/${a.key}/cancel`, body: { cancelReason: "returned" }, expect: 400 });
  await call("virtual account: refund to an unknown bank", {
    path: `/v1/payments/${a.key}/cancel`,
    body: { cancelReason: "returned", refundReceiveAccount: { bank: "99", accountNumber: "1002345678901", holderName: "박토스" } },
    expect: 400,
  });
  await call("virtual account: partial refund", {
    path: `/v1/payments/${a.key}/cancel`,
    body: { cancelReason: "returned", cancelAmount: 10000, refundReceiveAccount: { bank: "20", accountNumber: "1002345678901", holderName: "박토스" } },
    expect: 200,
  });
  const b = await issue("virtual account, cancelled before the deposit");
  await call("virtual account: partial cancel before the deposit", { path: `/v1/payments/${b.key}/cancel`, body: { cancelReason: "r", cancelAmount: 1000 }, expect: 403 });
  await call("virtual account: cancel before the deposit", { path: `/v1/payments/${b.key}/cancel`, body: { cancelReason: "r" }, expect: 200 });
}

async function errors() {
  const unknownKey = "tviva20240213121757MvuS8";
  await call("get an unknown payment", { method: "GET", path: `/v1/payments/${unknownKey}`, expect: 404 });
  await call("get an unknown order", { method: "GET", path: `/v1/payments/orders/no-such-order`, expect: 404 });
  await call("confirm an unknown payment", { path: "/v1/payments/confirm", body: { paymentKey: unknownKey, orderId: "no-such-order", amount: 1000 }, expect: 404 });
  await call("cancel an unknown payment", { path: `/v1/payments/${unknownKey}/cancel`, body: { cancelReason: "x" }, expect: 404 });
  // Prism flags the missing Authorization as a request violation.
  await call("no secret key (bad request on purpose)", { method: "GET", path: `/v1/payments/${unknownKey}`, headers: { Authorization: null }, expect: 401, badRequest: true });
  await call("a live secret key", { method: "GET", path: `/v1/payments/${unknownKey}`, headers: { Authorization: "Basic " + Buffer.from("live_sk_000000000000:").toString("base64") }, expect: 401 });
  await call("orderId too short (bad request on purpose)", {
    path: "/v1/payments/confirm", body: { paymentKey: unknownKey, orderId: "ab", amount: 1000 }, expect: 400, badRequest: true,
  });
  await call("amount as a string (bad request on purpose)", {
    path: "/v1/payments/confirm", body: { paymentKey: unknownKey, orderId: "order-0001", amount: "1000" }, expect: 400, badRequest: true,
  });
  await call("fault: rate limited", { method: "GET", path: `/v1/payments/${unknownKey}`, headers: { "X-Sandbox-Fault": "rate-limit" }, expect: 429 });
  await call("fault: internal error", { path: "/v1/payments/confirm", body: { paymentKey: unknownKey, orderId: "order-0001", amount: 1000 }, headers: { "X-Sandbox-Fault": "error-before" }, expect: 500 });
}

// billing: automatic billing. The card-registration page is the sandbox's
// own, called directly; every API answer goes through the proxy, each
// billing operation's 200 among them.
async function billing() {
  const created = await call("billing: a payment, for the sandbox's origin", {
    path: "/v1/payments",
    body: { method: "CARD", amount: 1000, orderId: newOrderId(), orderName: "origin", returnUrl: "https://example.com/return" },
    expect: 200,
  });
  const origin = new URL(created.json.checkout.url).origin;
  const customerKey = `cus-prism-${process.pid}`;
  const res = await fetch(`${origin}/sandbox/billing/auth`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ customerKey, successUrl: "https://example.com/success", failUrl: "https://example.com/fail", result: "approve" }),
    redirect: "manual",
  });
  if (res.status !== 303) throw new Error(`card registration: status ${res.status}: ${await res.text()}`);
  const authKey = new URL(res.headers.get("location")).searchParams.get("authKey");
  const issued = await call("billing: issue from the authKey", { path: "/v1/billing/authorizations/issue", body: { authKey, customerKey }, expect: 200 });
  await call("billing: the authKey a second time", { path: "/v1/billing/authorizations/issue", body: { authKey, customerKey }, expect: 400 });
  const path = (k) => `/v1/billing/${encodeURIComponent(k)}`;
  const key = issued.json.billingKey;
  const charge = (extra = {}) => ({ customerKey, amount: 4900, orderId: newOrderId(), orderName: "monthly", ...extra });
  const charged = await call("billing: charge", { path: path(key), body: charge(), expect: 200 });
  if (charged.json?.type !== "BILLING" || charged.json?.status !== "DONE") failures.push(`billing charge: ${charged.json?.type} ${charged.json?.status}`);
  await call("billing: another customer's charge", { path: path(key), body: charge({ customerKey: "cus-someone-else" }), expect: 400 });
  await call("billing: cancel a charge", { path: `/v1/payments/${charged.json.paymentKey}/cancel`, body: { cancelReason: "refund" }, expect: 200 });
  const withCard = await call("billing: issue from card data", { path: "/v1/billing/authorizations/card", body: { customerKey, ...card }, expect: 200 });
  await call("billing: issue a stopped card", { path: "/v1/billing/authorizations/card", body: { customerKey, ...card, cardNumber: "4000000000000036" }, expect: 400 });
  const poor = await call("billing: issue a card without balance", { path: "/v1/billing/authorizations/card", body: { customerKey, ...card, cardNumber: "4000000000009995" }, expect: 200 });
  await call("billing: a declined charge", { path: path(poor.json.billingKey), body: charge(), expect: 403 });
  const failing = await call("billing: issue a card whose company fails", { path: "/v1/billing/authorizations/card", body: { customerKey, ...card, cardNumber: "4000000000000119" }, expect: 200 });
  await call("billing: the card company fails", { path: path(failing.json.billingKey), body: charge(), expect: 500 });
  await call("billing: remove a key", { method: "DELETE", path: path(withCard.json.billingKey), expect: 200 });
  await call("billing: remove it again", { method: "DELETE", path: path(withCard.json.billingKey), expect: 404 });
}

// Every documented error code of every operation, asked for with the
// TossPayments-Test-Code header, must come back with its documented status
// and a body that conforms.
async function testCodes() {
  const valid = {
    createPayment: () => ({ body: { method: "CARD", amount: 1000, orderId: newOrderId(), orderName: "test code", returnUrl: "https://example.com/return" } }),
    confirmPayment: () => ({ body: { paymentKey: "tviva20240213121757MvuS8", orderId: newOrderId(), amount: 1000 } }),
    cancelPayment: () => ({ body: { cancelReason: "test code" } }),
    keyInPayment: () => ({ body: { amount: 1000, orderId: newOrderId(), orderName: "test code", ...card } }),
    getPayment: () => ({}),
    getPaymentByOrderId: () => ({}),
    issueBillingKey: () => ({ body: { authKey: "e_826EDB0730790E96F116FFF3799A65DE", customerKey: "cus-test-code" } }),
    issueBillingKeyWithCard: () => ({ body: { customerKey: "cus-test-code", ...card } }),
    chargeBillingKey: () => ({ body: { customerKey: "cus-test-code", amount: 1000, orderId: newOrderId(), orderName: "test code" } }),
    deleteBillingKey: () => ({}),
  };
  const resolve = (obj) => (obj?.$ref ? obj.$ref.split("/").slice(1).reduce((o, k) => o[k], spec) : obj);
  for (const [pathTemplate, item] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!valid[op.operationId]) continue;
      const path = pathTemplate.replace("{paymentKey}", "tviva20240213121757MvuS8").replace("{orderId}", "no-such-order")
        .replace("{billingKey}", "Z_t5vOvQxrj4499PeiJcjen28-V2RyqgYTwN44Rdzk0=");
      const acceptsTestCode = (op.parameters ?? []).map(resolve).some((p) => p.name === "TossPayments-Test-Code");
      if (!acceptsTestCode) continue;
      // A code may be documented under more than one status (confirm
      // lists some under both 400 and 403): any of them is right.
      const statuses = new Map();
      for (const [status, response] of Object.entries(op.responses)) {
        for (const code of resolve(response)["x-toss-error-codes"] ?? []) {
          statuses.set(code, [...(statuses.get(code) ?? []), Number(status)]);
        }
      }
      for (const [code, expect] of statuses) {
        await call(`${op.operationId} test code ${code}`, {
          method: method.toUpperCase(), path, ...valid[op.operationId](),
          headers: { "TossPayments-Test-Code": code }, expect,
        });
      }
    }
  }
}

if (args["self-test"]) {
  await selfTest();
} else {
  await flow();
  await virtualAccount();
  await billing();
  await errors();
  await testCodes();
  const pairs = new Set(results.map((r) => `${r.op} ${r.status}`));
  const declared = Object.values(spec.paths).flatMap((item) =>
    Object.values(item).flatMap((op) => Object.keys(op.responses).map((s) => `${op.operationId} ${s}`)));
  const unseen = declared.filter((p) => !pairs.has(p));
  const responseViolations = results.reduce((n, r) => n + r.responseViolations.length, 0);
  console.log(`\n${results.length} requests through prism proxy, ${pairs.size} of ${declared.length} declared (operation, status) pairs seen${unseen.length ? ` (not seen: ${unseen.join(", ")})` : ""}, ${responseViolations} response violations, ${results.filter((r) => r.requestViolations.length).length} deliberately bad requests flagged by Prism`);
  if (unseen.length) failures.push(`declared responses never seen through the proxy: ${unseen.join(", ")}`);
  if (failures.length) {
    console.error(`\n${failures.length} failures:\n` + failures.join("\n"));
    process.exit(1);
  }
}
