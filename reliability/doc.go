// Package reliability holds the proofs that the wrapper and the sandbox
// together survive faults, concurrency and hostile input: a seeded fault
// campaign, crash-safe retries, concurrent confirms and cancels, resource
// bounds and secret hygiene. It has no API: everything is in its tests.
//
// Run the campaign and print its figures with
//
//	go test -run TestFaultCampaign -v ./reliability/
//
// docs/reliability.md says what is guaranteed and how each guarantee is tested.
package reliability
