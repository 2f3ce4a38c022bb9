// Package contracttests holds the document openapi/tosspayments.yaml to
// reality. It has no API of its own; everything is in its tests.
//
// # Fixtures
//
// Every file under testdata/ is a response body. Its name records the
// operation and the HTTP status it answers:
//
//	<operationId>.<status>[.<name>].json
//
// for example confirmPayment.404.not-found-payment-session.json. The folders
// only group them:
//
//   - testdata/seed: the four sample responses of the reference page,
//     verbatim (they are also the spec's examples);
//   - testdata/fixtures: a documented error body for every (operation,
//     status) pair the spec declares, and a body for each known quirk of the
//     real API (nulls where the docs promise values, USD decimals, the legacy
//     easyPay string, ...);
//   - testdata/live: responses of the real API saved by the live tests with
//     -record, scrubbed of secrets.
//
// testdata/real is the exception to the naming: a corpus of answers the API
// really sent, copied as published from Toss's documentation and community
// and from public repositories, each described in an index.yaml (source,
// dates, API version, operation and status or component schema, what was
// scrubbed, what is unusual). See testdata/real/README.md.
//
// Each fixture is validated against its operation and status (an
// undocumented status fails) by two validators that share no code,
// kin-openapi's openapi3filter.ValidateResponse and pb33f's
// libopenapi-validator; both must accept every fixture and real body and
// both must reject every negative case, so the spec means the same thing to
// two independent readers. Each body is then decoded
// into the generated types (generated.Payment for 2xx, generated.Error
// otherwise), re-encoded, and compared with the original as a JSON tree with
// numbers kept as written. The one tolerated difference: a key whose value
// is null may be absent on the other side (optional fields are pointers with
// omitempty, so a null can come back as an absent key, and an absent key as
// null). Any other lost key is reported as drift: a field not in the spec.
//
// # Live mode
//
// The live tests call the real API and validate every status and body they
// get against the spec. They run only when asked:
//
//	TOSS_SECRET_KEY=test_sk_... go test ./contract_tests -run Live -v
//	TOSS_LIVE=1 go test ./contract_tests -run Live -v            # the public docs test key
//	TOSS_LIVE=1 go test ./contract_tests -run Live -v -record    # also save scrubbed bodies into testdata/live/
//
// TOSS_BASE_URL overrides https://api.tosspayments.com. A live_ key is refused.
package contracttests
