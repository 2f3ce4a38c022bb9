// A small TypeScript client written against the types openapi-typescript
// generates from openapi/tosspayments.yaml. scripts/spec-ts-check regenerates
// ./generated/tosspayments.ts and type-checks this file with tsc in strict
// mode, so a spec change that would break TypeScript users fails CI.
//
// It is only type-checked, never run. The `@ts-expect-error` lines hold the
// spec to what a careful user relies on: if a nullable field became
// non-null, or a required field optional, the expected error would vanish
// and tsc would report the unused directive.

import type { components, operations, paths } from "./generated/tosspayments";

type Schemas = components["schemas"];
type Payment = Schemas["Payment"];
type ConfirmRequest =
  paths["/v1/payments/confirm"]["post"]["requestBody"]["content"]["application/json"];
type ConfirmResponse =
  operations["confirmPayment"]["responses"][200]["content"]["application/json"];
type ApiError = operations["confirmPayment"]["responses"][404]["content"]["application/json"];

// Building a confirm request: paymentKey, orderId and amount are required.
export const confirmRequest: ConfirmRequest = {
  paymentKey: "5zJ4xY7m0kODnyRpQWGrN2xqGlNvLrKwv1M9ENjbeoPaZdL6",
  orderId: "order-20210101-0001",
  amount: 15000,
};

// @ts-expect-error amount is required
export const missingAmount: ConfirmRequest = { paymentKey: "k", orderId: "order-1" };

// @ts-expect-error amounts are JSON numbers, not strings
export const stringAmount: ConfirmRequest = { paymentKey: "k", orderId: "order-1", amount: "15000" };

// Sending it, as a TypeScript user would with fetch.
export async function confirmPayment(
  baseUrl: string,
  secretKey: string,
  body: ConfirmRequest,
  idempotencyKey: string,
): Promise<ConfirmResponse> {
  const res = await fetch(`${baseUrl}/v1/payments/confirm`, {
    method: "POST",
    headers: {
      Authorization: `Basic ${btoa(`${secretKey}:`)}`,
      "Content-Type": "application/json",
      "Idempotency-Key": idempotencyKey,
    },
    body: JSON.stringify(body),
  });
  if (!res.ok) {
    const err = (await res.json()) as ApiError;
    throw new Error(`${res.status} ${err.code}: ${err.message}`);
  }
  return (await res.json()) as ConfirmResponse;
}

// Reading a Payment.
export function describe(p: Payment): string {
  const total: number = p.totalAmount;
  const balance: number = p.balanceAmount;
  const done: boolean = p.status === "DONE" || p.status === "PARTIAL_CANCELED";
  const cancelled = (p.cancels ?? []).reduce((sum, c) => sum + c.cancelAmount, 0);
  return [
    `${p.orderId} (${p.orderName}) ${p.status}${done ? " settled" : ""}`,
    `paid ${total} ${p.currency}, balance ${balance}, cancelled ${cancelled}`,
    `method ${methodName(p)}, wallet ${walletName(p.easyPay)}`,
    p.card == null ? "no card" : `card ${p.card.number}`,
    p.failure == null ? "" : `failed: ${p.failure.code ?? "?"}`,
  ].join("\n");
}

// method is null (or "") until the customer chooses one, and absent from
// some answers (only the payment's identity and state are always sent).
function methodName(p: Payment): string {
  // @ts-expect-error method may be absent
  p.method.length;
  return p.method == null || p.method === "" ? "(not chosen)" : p.method;
}

// When sent, method may still be null.
export function sentMethodName(m: Exclude<Payment["method"], undefined>): number {
  // @ts-expect-error method may be null
  return m.length;
}

// easyPay is an object since 2022-06-08, a legacy string before, or null.
function walletName(e: Payment["easyPay"]): string {
  if (e === null || e === undefined) {
    return "(none)";
  }
  if (typeof e === "string") {
    return e === "" ? "(none)" : e;
  }
  // @ts-expect-error provider is optional
  e.provider.length;
  const paid: number | undefined = e.amount;
  return `${e.provider ?? "(unknown)"}${paid === undefined ? "" : ` paid ${paid}`}`;
}

// Card is null unless the method is a card.
export function cardNumber(p: Payment): string {
  // @ts-expect-error card may be null
  return p.card.number;
}
