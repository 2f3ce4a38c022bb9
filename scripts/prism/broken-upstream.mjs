// A stand-in upstream for scripts/prism-check's self-test: it answers every
// request with a Payment that breaks the spec (a string amount, an unknown
// status, required fields missing), so Prism's proxy must report response
// violations. Usage: node broken-upstream.mjs PORT
import { createServer } from "node:http";

const port = Number(process.argv[2]);
createServer((req, res) => {
  res.writeHead(200, { "Content-Type": "application/json", "X-TossPayments-Trace-Id": "broken" });
  res.end(JSON.stringify({ paymentKey: "k", totalAmount: "15000", status: "NOT_A_STATUS" }));
}).listen(port, "127.0.0.1");
