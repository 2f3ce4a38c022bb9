// The whole payment story in TypeScript, against a live sandbox, through a
// client generated from the spec the sandbox serves: openapi-typescript
// writes ./generated/tosspayments.ts from $TOSS_BASE_URL/openapi.json and
// openapi-fetch sends the requests. scripts/ts-story-check builds and runs it
// (scripts/check-all runs that in CI).
//
// Every step checks the answer and throws on a surprise: create, approve at
// the checkout form, confirm, a partial and a full cancel, key-in, both
// look-ups, an error code read through the ErrorCode union, and automatic
// billing: a card registered at the page, the key issued, charged (its retry
// replayed), another customer refused, the key removed.

import createClient from "openapi-fetch";
import type { components, paths } from "./generated/tosspayments.js";

declare const process: { env: Record<string, string | undefined>; exitCode?: number };

type Payment = components["schemas"]["Payment"];
type ErrorCode = components["schemas"]["ErrorCode"];

const base = process.env["TOSS_BASE_URL"];
const key = process.env["TOSS_SECRET_KEY"];
if (!base || !key) {
  throw new Error("set TOSS_BASE_URL and TOSS_SECRET_KEY");
}

const client = createClient<paths>({
  baseUrl: base,
  headers: { Authorization: `Basic ${btoa(`${key}:`)}` },
});

let step = 0;
function ok(what: string, detail: string): void {
  step++;
  console.log(`${step}\t${what}\t${detail}`);
}

function expect(cond: boolean, what: string): asserts cond {
  if (!cond) {
    throw new Error(`step ${step + 1}: ${what}`);
  }
}

// payment returns the payment of a 2xx answer, or throws with the error.
function payment(r: { data?: Payment; error?: { code: ErrorCode; message: string }; response: Response }, what: string): Payment {
  if (r.data === undefined) {
    throw new Error(`${what}: ${r.response.status} ${r.error?.code ?? "?"}: ${r.error?.message ?? ""}`);
  }
  return r.data;
}

const run = `ts-${Date.now()}`;
const orderId = `${run}-checkout`;

// 1. Create the payment window.
const created = payment(
  await client.POST("/v1/payments", {
    params: { header: { "Idempotency-Key": crypto.randomUUID() } },
    body: { method: "CARD", amount: 15000, orderId, orderName: "Toss T-shirts", returnUrl: "http://localhost:8080/return" },
  }),
  "create",
);
expect(created.status === "READY", `create: status ${created.status}`);
const checkoutUrl = created.checkout?.url;
expect(typeof checkoutUrl === "string", "create: no checkout.url");
ok("create", `${created.status} ${created.totalAmount} ${created.currency}`);

// 2. The customer approves at the checkout page: its form posts
// result=approve and the answer redirects to the returnUrl.
const form = await fetch(checkoutUrl, {
  method: "POST",
  headers: { "Content-Type": "application/x-www-form-urlencoded" },
  body: new URLSearchParams({ result: "approve" }),
  redirect: "manual",
});
expect(form.status === 303, `checkout: ${form.status}, want 303`);
const back = new URL(form.headers.get("Location") ?? "");
const paymentKey = back.searchParams.get("paymentKey") ?? "";
const amount = Number(back.searchParams.get("amount"));
expect(paymentKey === created.paymentKey && back.searchParams.get("orderId") === orderId && amount === 15000,
  `checkout: returnUrl ${back.search}`);
ok("approve at checkout", `303 to returnUrl, amount ${amount}`);

// 3. Confirm.
const done = payment(
  await client.POST("/v1/payments/confirm", {
    params: { header: { "Idempotency-Key": crypto.randomUUID() } },
    body: { paymentKey, orderId, amount },
  }),
  "confirm",
);
expect(done.status === "DONE", `confirm: status ${done.status}`);
ok("confirm", `${done.status} card ${done.card?.number ?? "(none)"}`);

// 4. A partial, then a full cancel.
const partial = payment(
  await client.POST("/v1/payments/{paymentKey}/cancel", {
    params: { path: { paymentKey }, header: { "Idempotency-Key": crypto.randomUUID() } },
    body: { cancelReason: "one shirt returned", cancelAmount: 5000 },
  }),
  "partial cancel",
);
expect(partial.status === "PARTIAL_CANCELED" && partial.balanceAmount === 10000,
  `partial cancel: ${partial.status}, balance ${partial.balanceAmount}`);
ok("partial cancel 5000", `${partial.status}, balance ${partial.balanceAmount}`);

const full = payment(
  await client.POST("/v1/payments/{paymentKey}/cancel", {
    params: { path: { paymentKey }, header: { "Idempotency-Key": crypto.randomUUID() } },
    body: { cancelReason: "order cancelled" },
  }),
  "full cancel",
);
expect(full.status === "CANCELED" && full.balanceAmount === 0 && (full.cancels ?? []).length === 2,
  `full cancel: ${full.status}, balance ${full.balanceAmount}`);
ok("full cancel", `${full.status}, balance ${full.balanceAmount}, ${(full.cancels ?? []).length} cancels`);

// 5. Key-in.
const year = String((new Date().getFullYear() + 3) % 100).padStart(2, "0");
const keyInBody = {
  amount: 15000, orderId: `${run}-keyin`, orderName: "Toss T-shirts", cardNumber: "4330123412341234",
  cardExpirationYear: year, cardExpirationMonth: "12", customerIdentityNumber: "881212",
};
const keyed = payment(
  await client.POST("/v1/payments/key-in", {
    params: { header: { "Idempotency-Key": crypto.randomUUID() } },
    body: keyInBody,
  }),
  "key-in",
);
expect(keyed.status === "DONE" && (keyed.method === "CARD" || keyed.method === "카드"), `key-in: ${keyed.status} ${keyed.method}`);
ok("key-in", `${keyed.status} card ${keyed.card?.number ?? "(none)"}`);

// 6. Both look-ups.
const byKey = payment(
  await client.GET("/v1/payments/{paymentKey}", { params: { path: { paymentKey } } }),
  "get by paymentKey",
);
expect(byKey.orderId === orderId && byKey.status === "CANCELED", `get: ${byKey.orderId} ${byKey.status}`);
ok("look-up by paymentKey", `${byKey.orderId} ${byKey.status}`);

const byOrder = payment(
  await client.GET("/v1/payments/orders/{orderId}", { params: { path: { orderId: keyInBody.orderId } } }),
  "get by orderId",
);
expect(byOrder.paymentKey === keyed.paymentKey, `get-order: ${byOrder.paymentKey}`);
ok("look-up by orderId", `${byOrder.orderId} ${byOrder.status}`);

// 7. A decline, read through the ErrorCode union: the comparisons below
// compile only because each code is a member of the spec's enum.
const declined = await client.POST("/v1/payments/key-in", {
  params: { header: { "Idempotency-Key": crypto.randomUUID(), "TossPayments-Test-Code": "REJECT_CARD_COMPANY" } },
  body: { ...keyInBody, orderId: `${run}-declined` },
});
expect(declined.data === undefined && declined.error !== undefined, "declined key-in: no error");
const code: ErrorCode = declined.error.code;
// @ts-expect-error a code the spec does not list is not an ErrorCode
const unknown: ErrorCode = "NOT_A_TOSS_CODE";
void unknown;
let meaning: string;
switch (code) {
  case "REJECT_CARD_COMPANY":
  case "INVALID_CARD_NUMBER":
    meaning = "declined: ask for another card";
    break;
  case "PROVIDER_ERROR":
    meaning = "outcome unknown: look the payment up";
    break;
  default:
    meaning = "refused";
}
expect(declined.response.status === 403 && code === "REJECT_CARD_COMPANY", `declined key-in: ${declined.response.status} ${code}`);
ok("declined key-in", `${declined.response.status} ${code}: ${meaning}`);

// 8. Automatic billing. The customer registers a card at the sandbox's
// card-registration page (the window the SDK's requestBillingAuth opens at
// Toss), which redirects to the successUrl with customerKey and authKey.
type Billing = components["schemas"]["Billing"];
const customerKey = `${run}-customer`;
const registered = await fetch(`${base}/sandbox/billing/auth`, {
  method: "POST",
  headers: { "Content-Type": "application/x-www-form-urlencoded" },
  body: new URLSearchParams({ customerKey, successUrl: "http://localhost:8080/billing/success", failUrl: "http://localhost:8080/billing/fail", result: "approve" }),
  redirect: "manual",
});
expect(registered.status === 303, `card registration: ${registered.status}, want 303`);
const success = new URL(registered.headers.get("Location") ?? "");
const authKey = success.searchParams.get("authKey") ?? "";
expect(success.pathname === "/billing/success" && success.searchParams.get("customerKey") === customerKey && authKey !== "",
  `card registration: successUrl ${success.pathname}`);
ok("register a card", "303 to successUrl with an authKey");

// 9. Issue the billing key from the authKey.
const issued = await client.POST("/v1/billing/authorizations/issue", {
  params: { header: { "Idempotency-Key": crypto.randomUUID() } },
  body: { authKey, customerKey },
});
const billing: Billing | undefined = issued.data;
expect(billing !== undefined && billing.customerKey === customerKey && billing.billingKey !== "",
  `issue: ${issued.response.status} ${issued.error?.code ?? ""}`);
ok("issue the billing key", `card ${billing.card?.number ?? "(none)"}`);

// 10. Charge it, with an Idempotency-Key derived from the billing key, the
// orderId and the amount exactly as the Go client derives it
// (wrapper.ChargeIdempotencyKey: SHA-256 of the length-prefixed fields,
// base64url), so that a retry after a crash, from either language, replays
// the charge instead of charging twice.
async function chargeKey(billingKey: string, orderId: string, amount: number): Promise<string> {
  const bytes: number[] = [];
  for (const field of ["tosspayments-go idempotency v1", "charge", billingKey, orderId, String(amount)]) {
    const utf8 = new TextEncoder().encode(field);
    let n = utf8.length; // an unsigned varint, as Go's binary.PutUvarint
    for (; n >= 0x80; n >>>= 7) {
      bytes.push((n & 0x7f) | 0x80);
    }
    bytes.push(n, ...utf8);
  }
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new Uint8Array(bytes)));
  return "charge-" + btoa(String.fromCharCode(...digest)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
// The vector wrapper's TestChargeIdempotencyKeyVector pins in Go.
const vector = await chargeKey("Z_t5vOvQxrj4499PeiJcjen28-V2RyqgYTwN44Rdzk0=", "order-20240101-0003", 4900);
expect(vector === "charge-aHNKJQf637KNbSjm72vyBAkQMmcMbbQ4r5C8SAs4Z-o", `the derived key differs from the Go client's: ${vector}`);
const billingKey = billing.billingKey;
const monthOne = { customerKey, amount: 9900, orderId: `${run}-month-1`, orderName: "Toss Prime, month one" };
const chargeParams = { path: { billingKey }, header: { "Idempotency-Key": await chargeKey(billingKey, monthOne.orderId, monthOne.amount) } };
const charged = payment(await client.POST("/v1/billing/{billingKey}", { params: chargeParams, body: monthOne }), "charge");
expect(charged.status === "DONE" && charged.type === "BILLING" && charged.totalAmount === 9900,
  `charge: ${charged.status} ${charged.type} ${charged.totalAmount}`);
const replayed = payment(await client.POST("/v1/billing/{billingKey}", { params: chargeParams, body: monthOne }), "charge again");
expect(replayed.paymentKey === charged.paymentKey, "charge again: another payment");
ok("charge the billing key", `${charged.status} ${charged.type}, the retry replayed`);
// Another amount for the order derives another key: not a replay of the
// first charge (which would look like a success), but DUPLICATED_ORDER_ID.
const otherAmount = await client.POST("/v1/billing/{billingKey}", {
  params: { path: { billingKey }, header: { "Idempotency-Key": await chargeKey(billingKey, monthOne.orderId, 19900) } },
  body: { ...monthOne, amount: 19900 },
});
expect(otherAmount.response.status === 400 && otherAmount.error?.code === "DUPLICATED_ORDER_ID",
  `another amount for a charged order: ${otherAmount.response.status} ${otherAmount.error?.code ?? ""}`);
ok("another amount for the order", "400 DUPLICATED_ORDER_ID");

// 11. Another customer's key is refused: NOT_MATCHES_CUSTOMER_KEY is a
// member of the ErrorCode union.
const mismatch = await client.POST("/v1/billing/{billingKey}", {
  params: { path: { billingKey }, header: { "Idempotency-Key": crypto.randomUUID() } },
  body: { ...monthOne, customerKey: `${run}-someone-else`, orderId: `${run}-month-x` },
});
const mismatchCode: ErrorCode | undefined = mismatch.error?.code;
expect(mismatch.response.status === 400 && mismatchCode === "NOT_MATCHES_CUSTOMER_KEY", `another customer: ${mismatch.response.status} ${mismatchCode}`);
ok("another customer's charge", `400 ${mismatchCode}`);

// 12. Remove the key.
const removed = await client.DELETE("/v1/billing/{billingKey}", { params: { path: { billingKey } } });
expect(removed.response.status === 200, `delete: ${removed.response.status}`);
ok("remove the billing key", "200");

console.log("The TypeScript story went as expected.");
