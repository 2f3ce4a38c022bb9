package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"time"

	"github.com/tosspayments-go/tosspayments-go/sandbox"
)

// shutdownGrace is how long Ctrl-C waits for requests in flight.
const shutdownGrace = 10 * time.Second

func runSandbox(ctx context.Context, args []string, e env) int {
	fs := flag.NewFlagSet("tosspay sandbox", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	faults := fs.String("faults", "", `random faults per request, e.g. "drop-after-commit=0.2,error-before=0.1,rate-limit=0.05"`)
	seed := fs.Uint64("seed", 0, "seed of the random faults and, on a loopback address, the payment keys (0: random)")
	maxPayments := fs.Int("max-payments", sandbox.DefaultMaxPayments, "payments each secret key keeps; past it the key's oldest are forgotten")
	maxKeys := fs.Int("max-idempotency-keys", sandbox.DefaultMaxIdempotencyKeys, "idempotency keys each secret key keeps; past it the key's oldest answered ones are forgotten")
	maxIdemBytes := fs.Int64("max-idempotency-bytes", sandbox.DefaultMaxIdempotencyBytes, "bytes of cached answers each secret key keeps; past it the key's oldest answered ones are forgotten")
	maxBody := fs.Int64("max-body-bytes", sandbox.DefaultMaxBodyBytes, "largest request body accepted")
	webhookURL := fs.String("webhook-url", "", "default webhook URL of every key that registers none (PUT "+sandbox.WebhookEndpointPath+")")
	retryScale := fs.Float64("webhook-retry-scale", 1, "multiply Toss's webhook retry intervals (1, 4, 16, ... 4096 minutes) by this, in (0, 1]; 0.001 makes the first minute 60 ms")
	webhookFaults := fs.String("webhook-faults", "", `random webhook faults per delivery, e.g. "duplicate=0.1,out-of-order=0.1,delay=0.05"`)
	webhookTargets := fs.String("webhook-targets", "", "where webhooks may go: any, or public (public addresses only); default any when --addr is a loopback address, else public")
	rateLimit := fs.String("rate-limit", "", fmt.Sprintf("requests a second each secret key may make, in bursts of twice as many; 0 for no limit; default none when --addr is a loopback address, else %g", sandbox.DefaultSharedRateLimit.PerSecond))
	if code := parseFlags(fs, "sandbox", args, e, func(w io.Writer) { printRunHelp(w, "sandbox", fs) }); code >= 0 {
		return code
	}
	rates, err := sandbox.ParseFaults(*faults)
	if err != nil {
		fmt.Fprintf(e.stderr, "tosspay sandbox: --faults: %v\n", err)
		return exitUsage
	}
	whRates, err := sandbox.ParseWebhookFaults(*webhookFaults)
	if err != nil {
		fmt.Fprintf(e.stderr, "tosspay sandbox: --webhook-faults: %v\n", err)
		return exitUsage
	}
	targets, err := webhookTargetsFor(*webhookTargets, *addr)
	if err != nil {
		fmt.Fprintf(e.stderr, "tosspay sandbox: --webhook-targets: %v\n", err)
		return exitUsage
	}
	limit, err := rateLimitFor(*rateLimit, *addr)
	if err != nil {
		fmt.Fprintf(e.stderr, "tosspay sandbox: --rate-limit: %v\n", err)
		return exitUsage
	}
	opts := []sandbox.Option{
		sandbox.WithWebhookTargets(targets),
		sandbox.WithRateLimit(limit),
		sandbox.WithFaults(rates),
		sandbox.WithWebhookFaults(whRates),
		sandbox.WithWebhookRetryScale(*retryScale),
		sandbox.WithMaxPayments(*maxPayments),
		sandbox.WithMaxIdempotencyKeys(*maxKeys),
		sandbox.WithMaxIdempotencyBytes(*maxIdemBytes),
		sandbox.WithMaxBodyBytes(*maxBody),
	}
	if *seed != 0 {
		opts = append(opts, sandbox.WithSeed(*seed))
	}
	// Others reach a shared sandbox: its payment keys and secrets must not
	// follow from the seed (the checkout page knows a payment by its key).
	randomKeys := shared(*addr)
	if randomKeys {
		opts = append(opts, sandbox.WithUnguessableKeys())
	}
	if *webhookURL != "" {
		opts = append(opts, sandbox.WithWebhookURL(*webhookURL))
	}
	sb, err := sandbox.New(opts...)
	if err != nil {
		fmt.Fprintf(e.stderr, "tosspay sandbox: %v\n", err)
		return exitUsage
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(e.stderr, "tosspay sandbox: %v\n", err)
		if h := listenHint(err, *addr); h != "" {
			fmt.Fprintf(e.stderr, "%s\n", h)
		}
		return exitAPI
	}
	base := "http://" + ln.Addr().String()
	srv := sandbox.NewServer(ln.Addr().String(), sb.Handler())
	// Shutdown waits for the requests in flight: end the listeners' long
	// polls first.
	srv.RegisterOnShutdown(sb.StopListeners)
	fmt.Fprintf(e.stdout, "Toss Payments sandbox listening\n")
	fmt.Fprintf(e.stdout, "  base URL:  %s\n", base)
	fmt.Fprintf(e.stdout, "  test key:  %s   (Authorization: Basic base64(key + \":\"))\n", sandbox.TestSecretKey)
	fmt.Fprintf(e.stdout, "  security key: %s   (signs the test key's payout webhooks; any key's: GET %s%s)\n", sb.SecurityKey(sandbox.TestSecretKey), base, sandbox.SecurityKeyPath)
	if randomKeys {
		// The test key is published: on an address others reach, whoever
		// uses it can read its security key, register its webhook URL and
		// sign payout events a receiver of it accepts.
		fmt.Fprintf(e.stdout, "                (shared by everyone using the test key here: others can sign payout webhooks with it; use a test_sk_ key of your own)\n")
	}
	fmt.Fprintf(e.stdout, "  spec:      %s/openapi.yaml  (and /openapi.json)\n", base)
	fmt.Fprintf(e.stdout, "  dashboard: %s/sandbox/dashboard  (sign in with the test key)\n", base)
	if randomKeys {
		fmt.Fprintf(e.stdout, "  seed:      %d   (--seed %d reproduces the random faults; payment keys and secrets are random, since others reach this address)\n", sb.Seed(), sb.Seed())
	} else {
		fmt.Fprintf(e.stdout, "  seed:      %d   (--seed %d reproduces the payment keys and random faults)\n", sb.Seed(), sb.Seed())
	}
	if *faults != "" {
		fmt.Fprintf(e.stdout, "  faults:    %s (seed %d)\n", *faults, sb.Seed())
	}
	if *webhookURL != "" {
		fmt.Fprintf(e.stdout, "  webhooks:  %s (a key's own: PUT %s%s)\n", *webhookURL, base, sandbox.WebhookEndpointPath)
	} else {
		fmt.Fprintf(e.stdout, "  webhooks:  register a URL per key: PUT %s%s {\"url\": ...}\n", base, sandbox.WebhookEndpointPath)
	}
	if targets == sandbox.WebhookTargetsPublic {
		fmt.Fprintf(e.stdout, "  webhook targets: public addresses only (--webhook-targets any to allow private ones)\n")
	} else {
		fmt.Fprintf(e.stdout, "  webhook targets: any address, private ones included\n")
	}
	if limit != (sandbox.RateLimit{}) {
		fmt.Fprintf(e.stdout, "  rate limit: %g requests a second per secret key, bursts of %d (--rate-limit 0 for none)\n", limit.PerSecond, limit.Burst)
	}
	if *retryScale != 1 || *webhookFaults != "" {
		fmt.Fprintf(e.stdout, "  webhook retries x%g, faults %q\n", *retryScale, *webhookFaults)
	}
	fmt.Fprintf(e.stdout, "Press Ctrl-C to stop.\n")

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		fmt.Fprintf(e.stderr, "tosspay sandbox: %v\n", err)
		return exitAPI
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintf(e.stderr, "tosspay sandbox: shutdown: %v\n", err)
		return exitAPI
	}
	<-errc
	// The webhooks due now are sent within what is left of the grace; the
	// rest (retries not yet due, or what the grace left no time for) are
	// abandoned, and said so.
	w := sb.CloseWebhooks(sctx)
	c := sb.FaultCounts()
	fmt.Fprintf(e.stdout, "stopped (faults injected: drop-after-commit %d, error-before %d, rate-limit %d, delay %d)\n",
		c.DropAfterCommit, c.ErrorBefore, c.RateLimit, c.Delay)
	fmt.Fprintf(e.stdout, "webhooks: %d delivered, %d failed after the last retry, %d dropped (per-key limit), %d abandoned at shutdown (not sent)\n",
		w.Delivered, w.Failed, w.Dropped, w.Abandoned)
	return exitOK
}

// shared reports whether a sandbox listening on addr is one others can
// reach: any address but a loopback one.
func shared(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	if host == "localhost" {
		return false
	}
	a, err := netip.ParseAddr(host)
	return err != nil || !a.Unmap().IsLoopback()
}

// webhookTargetsFor is --webhook-targets: as given, or by default "any"
// for a sandbox listening on a loopback address (one user, whose receiver
// runs beside it) and "public" for a shared one, so that none of its users
// can make it POST to the services on its network.
func webhookTargetsFor(flag, addr string) (sandbox.WebhookTargets, error) {
	if flag != "" {
		return sandbox.ParseWebhookTargets(flag)
	}
	if shared(addr) {
		return sandbox.WebhookTargetsPublic, nil
	}
	return sandbox.WebhookTargetsAny, nil
}

// maxRateLimit is the highest --rate-limit: far above what a sandbox
// serves, low enough that twice it is a burst an int holds.
const maxRateLimit = 1_000_000

// rateLimitFor is --rate-limit: N requests a second in bursts of 2N, 0 for
// none, or by default none on a loopback address and
// sandbox.DefaultSharedRateLimit on a shared one.
func rateLimitFor(flag, addr string) (sandbox.RateLimit, error) {
	if flag == "" {
		if shared(addr) {
			return sandbox.DefaultSharedRateLimit, nil
		}
		return sandbox.RateLimit{}, nil
	}
	n, err := strconv.ParseFloat(flag, 64)
	if err != nil || !(n >= 0) || n > maxRateLimit {
		return sandbox.RateLimit{}, fmt.Errorf("%q: want a number of requests a second up to %d, 0 for no limit", flag, maxRateLimit)
	}
	if n == 0 {
		return sandbox.RateLimit{}, nil
	}
	return sandbox.RateLimit{PerSecond: n, Burst: int(math.Ceil(2 * n))}, nil
}
