package browsertest

import (
	"context"
	"flag"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"go.uber.org/goleak"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/money"
	"github.com/tosspayments-go/tosspayments-go/sandbox"
	"github.com/tosspayments-go/tosspayments-go/wrapper"
)

// ChromiumEnv names the browser to run, overriding the search of PATH
// (chromium, chromium-browser, google-chrome) and /usr/bin/chromium.
const ChromiumEnv = "TOSS_TEST_CHROMIUM"

var updateScreenshots = flag.Bool("update-screenshots", false,
	"write docs/screenshots/checkout.png and dashboard.png from the browser run")

// TestMain fails the tests if a goroutine outlives them: the browser's
// connection and the servers must all be stopped.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// findChromium returns the browser's path, or "" with why none was found.
// A browser named in ChromiumEnv that cannot be run fails the test: CI
// names the one it installed, and must not skip silently.
func findChromium(t *testing.T) (string, string) {
	if p := os.Getenv(ChromiumEnv); p != "" {
		if _, err := exec.LookPath(p); err != nil {
			t.Fatalf("%s=%s is not an executable: %v", ChromiumEnv, p, err)
		}
		return p, ""
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, ""
		}
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium", ""
	}
	return "", "no chromium in PATH nor at /usr/bin/chromium (apt-get install chromium, or set " + ChromiumEnv + ")"
}

// browser starts a headless chromium with a profile of its own and returns
// a context to drive it; the browser is closed when the test ends.
func browser(t *testing.T) context.Context {
	t.Helper()
	path, why := findChromium(t)
	if path == "" {
		t.Skip("skipping the browser test: " + why)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1100, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancelCtx()   // closes the tab and the browser
		cancelAlloc() // waits for the process to exit
	})
	// The first run starts the browser, which lives as long as ctx: no
	// timeout on it; each step below has its own.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting %s: %v", path, err)
	}
	return ctx
}

// step runs actions with a deadline, so a page that never comes fails the
// test instead of hanging it.
func step(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// value runs one action that returns a value, with a deadline.
func value[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(sctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// TestBrowserCheckoutConfirmDashboard is the whole flow in a real browser:
// the wrapper creates a payment, the browser opens checkout.url and clicks
// Approve, lands on the returnUrl the test serves with paymentKey, orderId
// and amount, the wrapper confirms, and the dashboard (signed in with the
// keyboard) shows the payment DONE with its timeline.
func TestBrowserCheckoutConfirmDashboard(t *testing.T) {
	ctx := browser(t)

	// A fixed clock and seed: the same keys, times and trace IDs on every
	// run, so the screenshots only change when the pages do.
	clock := sandbox.NewFakeClock(time.Date(2026, 3, 2, 1, 30, 0, 0, time.UTC))
	sb, err := sandbox.New(sandbox.WithClock(clock), sandbox.WithSeed(13))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sb.Handler())
	defer srv.Close()
	defer sb.StopListeners() // first: ends a stream a page may hold open

	// The merchant's returnUrl: it shows what the redirect brought.
	returned := make(chan url.Values, 1)
	shop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case returned <- r.URL.Query():
		default:
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><title>Shop</title><h1 id="returned">Back at the shop</h1><p>%s</p>`, html.EscapeString(r.URL.RawQuery))
	}))
	defer shop.Close()

	hc := &http.Client{Timeout: 10 * time.Second}
	defer hc.CloseIdleConnections()
	c, err := wrapper.New(sandbox.TestSecretKey, wrapper.WithBaseURL(srv.URL), wrapper.WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	const orderID = "order-browser-0001"
	p, _, err := c.CreatePayment(ctx, generated.CreatePaymentRequest{
		Method: generated.CreatePaymentMethodCard, Amount: money.New(15000), OrderID: orderID,
		OrderName: "T-shirt", ReturnURL: shop.URL + "/return",
	}, wrapper.WithIdempotencyKey("create-"+orderID))
	if err != nil {
		t.Fatalf("create: %v", err)
	}

	var checkoutShot, dashboardShot []byte
	approve := chromedp.CSS(`button[value="approve"]`)
	step(t, ctx, "open checkout.url", chromedp.Navigate(*p.Checkout.URL), chromedp.WaitVisible(approve))
	checkoutShot = shot(t, ctx)
	step(t, ctx, "click Approve", chromedp.Click(approve), chromedp.WaitVisible(chromedp.CSS(`#returned`)))
	landed := value(t, ctx, "read the location", chromedp.Location())
	u, err := url.Parse(landed)
	if err != nil || !strings.HasPrefix(landed, shop.URL+"/return?") {
		t.Fatalf("the browser landed on %q, want the returnUrl %s/return", landed, shop.URL)
	}
	q := u.Query()
	if q.Get("paymentKey") != p.PaymentKey || q.Get("orderId") != orderID || q.Get("amount") != "15000" {
		t.Fatalf("returnUrl query %v: want paymentKey %s, orderId %s, amount 15000", q, p.PaymentKey, orderID)
	}
	if got := <-returned; got.Get("paymentKey") != p.PaymentKey {
		t.Fatalf("the shop's server saw %v", got)
	}

	amount, err := money.Parse(q.Get("amount"))
	if err != nil {
		t.Fatal(err)
	}
	done, _, err := c.ConfirmPayment(ctx, generated.ConfirmPaymentRequest{PaymentKey: q.Get("paymentKey"), OrderID: q.Get("orderId"), Amount: amount},
		wrapper.WithIdempotencyKey("confirm-"+orderID))
	if err != nil {
		t.Fatalf("confirm: %v", err)
	}
	if done.Status != generated.PaymentStatusDone {
		t.Fatalf("confirm: status %s", done.Status)
	}
	// A retry of the confirm, as after a lost answer: replayed, not redone.
	again, meta, err := c.ConfirmPayment(ctx, generated.ConfirmPaymentRequest{PaymentKey: done.PaymentKey, OrderID: orderID, Amount: amount},
		wrapper.WithIdempotencyKey("confirm-"+orderID))
	if err != nil || again.LastTransactionKey == nil || *again.LastTransactionKey != *done.LastTransactionKey {
		t.Fatalf("confirm again: %v (meta %v)", err, meta)
	}

	// The dashboard, by keyboard: type the key and Enter, then Enter on
	// the order's link.
	link := chromedp.CSS(`a[href="/sandbox/dashboard/payments/` + p.PaymentKey + `"]`)
	step(t, ctx, "sign in to the dashboard",
		chromedp.Navigate(srv.URL+"/sandbox/dashboard"),
		chromedp.WaitVisible(chromedp.CSS(`#secretKey`)),
		chromedp.SendKeys(chromedp.CSS(`#secretKey`), sandbox.TestSecretKey+"\r"),
		chromedp.WaitVisible(link),
	)
	step(t, ctx, "follow the payment's link by keyboard",
		chromedp.Focus(link),
		chromedp.KeyEvent("\r"),
		chromedp.WaitVisible(chromedp.CSS(`#timeline`)),
	)
	status := value(t, ctx, "read the status", chromedp.Text(chromedp.CSS(`#status`)))
	timeline := value(t, ctx, "read the timeline", chromedp.Text(chromedp.CSS(`#timeline`)))
	dashboardShot = shot(t, ctx)
	if status != "DONE" {
		t.Errorf("the dashboard shows %q, want DONE", status)
	}
	for _, want := range []string{
		"POST /v1/payments (createPayment) → 200 OK",
		"created READY, 15000 KRW",
		"(checkout page: approve) → 303 See Other",
		"READY → IN_PROGRESS",
		"POST /v1/payments/confirm (confirmPayment) → 200 OK",
		"IN_PROGRESS → DONE",
		"200 OK, replayed from the idempotency cache; Idempotency-Key confirm-" + orderID,
	} {
		if !strings.Contains(timeline, want) {
			t.Errorf("the timeline lacks %q:\n%s", want, timeline)
		}
	}

	if *updateScreenshots {
		dir := filepath.Join("..", "..", "..", "docs", "screenshots")
		for name, b := range map[string][]byte{"checkout.png": checkoutShot, "dashboard.png": dashboardShot} {
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("wrote %s (%d bytes)", filepath.Join(dir, name), len(b))
		}
	}
}

// shot takes a PNG of the whole page when the screenshots are to be
// written, and returns nil otherwise.
func shot(t *testing.T, ctx context.Context) []byte {
	t.Helper()
	if !*updateScreenshots {
		return nil
	}
	return value(t, ctx, "screenshot", chromedp.FullScreenshot(100))
}
