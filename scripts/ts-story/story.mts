// The whole payment story in TypeScript, against a live sandbox, through a
// client generated from the spec the sandbox serves: openapi-typescript
// writes ./generated/tosspayments.ts from $TOSS_BASE_URL/openapi.json and
// openapi-fetch sends the requests. scripts/ts-story-check builds and runs it
// (scripts/check-all runs that in CI).
//
// Every step checks the answer and throws on a surprise: create, approve at
// the checkout form, confirm, a partial and a full cancel, key-in, both
// look-ups, and an error code read through the ErrorCode union.

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

console.log("The TypeScript story went as expected.");
