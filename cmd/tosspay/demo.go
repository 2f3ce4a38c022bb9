package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/money"
	"github.com/tosspayments-go/tosspayments-go/sandbox"
	"github.com/tosspayments-go/tosspayments-go/wrapper"
)

// demoCard is an ordinary test card; declineCard is a sandbox reserved card
// that the card company declines (see sandbox.ReservedCards()).
const (
	demoCard    = "4330123412341234"
	declineCard = "4000000000000002"
)

// story is the demo's state and its table.
type story struct {
	ctx     context.Context
	base    string // the server's base URL
	key     string // the secret key
	cl      *wrapper.Client
	browser *http.Client
	tw      *tabwriter.Writer
	n       int
	failed  int
}

// row prints one step: its number, what it did, the result and a detail.
func (s *story) row(call, result, detail string, ok bool) {
	s.n++
	mark := "ok"
	if !ok {
		mark = "FAIL"
		s.failed++
	}
	fmt.Fprintf(s.tw, "%d\t%s\t%s\t%s\t%s\n", s.n, call, printableText(result, 80), mark, printableText(detail, 300))
}

func (s *story) skip(call, why string) {
	s.n++
	fmt.Fprintf(s.tw, "%d\t%s\t%s\t%s\t%s\n", s.n, call, "-", "skipped", printableText(why, 300))
}

func errResult(err error) string {
	var ae *wrapper.APIError
	if errors.As(err, &ae) {
		return fmt.Sprintf("%d %s", ae.StatusCode, ae.Code)
	}
	return err.Error()
}

// payment prints a step that expects a payment in status want.
func (s *story) payment(call string, p *generated.Payment, err error, want generated.PaymentStatus, detail func(*generated.Payment) string) bool {
	if err != nil {
		s.row(call, errResult(err), "want "+string(want), false)
		return false
	}
	d := ""
	if detail != nil {
		d = detail(p)
	}
	s.row(call, string(p.Status), d, p.Status == want)
	return p.Status == want
}

func runDemo(ctx context.Context, args []string, e env) int {
	fs := flag.NewFlagSet("tosspay demo", flag.ContinueOnError)
	base := fs.String("base-url", "", "run against this server with TOSS_SECRET_KEY instead of an in-process sandbox (browser steps are skipped); default $TOSS_BASE_URL")
	lang := fs.String("lang", "", `Accept-Language, e.g. "en-US"`)
	if code := parseFlags(fs, "demo", args, e, func(w io.Writer) { printRunHelp(w, "demo", fs) }); code >= 0 {
		return code
	}
	if *lang != "" {
		l, ok := documentedLang(*lang)
		if !ok {
			langRefused(e, "demo", *lang)
			return exitUsage
		}
		*lang = l
	}
	if *base == "" {
		*base = e.getenv("TOSS_BASE_URL")
	}
	key := sandbox.TestSecretKey
	inProcess := *base == ""
	if inProcess {
		// Webhook retries a thousand times faster: one that came before the
		// shop kept its secret is sent again 60 ms later, not a minute.
		sb, err := sandbox.New(sandbox.WithWebhookRetryScale(0.001))
		if err != nil {
			fmt.Fprintf(e.stderr, "tosspay demo: %v\n", err)
			return exitAPI
		}
		srv := httptest.NewServer(sb.Handler())
		defer srv.Close()
		defer func() {
			cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			sb.CloseWebhooks(cctx)
		}()
		*base = srv.URL
		fmt.Fprintf(e.stdout, "In-process sandbox at %s, key %s\n\n", srv.URL, key)
	} else {
		key = e.getenv("TOSS_SECRET_KEY")
		if key == "" {
			fmt.Fprintln(e.stderr, "tosspay demo: --base-url needs TOSS_SECRET_KEY")
			return exitUsage
		}
		fmt.Fprintf(e.stdout, "Against %s (steps that need a browser are skipped)\n\n", *base)
	}
	opts := []wrapper.Option{wrapper.WithBaseURL(*base)}
	if *lang != "" {
		opts = append(opts, wrapper.WithLanguage(*lang))
	}
	cl, err := wrapper.New(key, opts...)
	if err != nil {
		fmt.Fprintf(e.stderr, "tosspay demo: %v\n", err)
		return exitUsage
	}
	defer cl.CloseIdleConnections()
	s := &story{
		ctx: ctx, cl: cl, base: strings.TrimRight(*base, "/"), key: key,
		browser: &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		tw:      tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0),
	}
	defer s.browser.CloseIdleConnections()
	fmt.Fprintln(s.tw, "#\tSTEP\tRESULT\tCHECK\tDETAIL")
	prefix := fmt.Sprintf("demo-%d", time.Now().UnixNano())
	s.tell(inProcess, prefix)
	s.tellVirtualAccount(inProcess, prefix)
	s.tellBilling(inProcess, prefix)
	_ = s.tw.Flush()
	if s.failed > 0 {
		fmt.Fprintf(e.stdout, "\n%d step(s) did not go as expected.\n", s.failed)
		return exitAPI
	}
	fmt.Fprintln(e.stdout, "\nEvery step went as expected.")
	return exitOK
}

func won(a money.Amount) string { return a.String() + " KRW" }

// tell runs the story: create, approve at checkout, confirm, key-in, a
// partial and a full cancel, a declined key-in, an idempotent retry and a
// look-up.
func (s *story) tell(browser bool, prefix string) {
	ctx, cl := s.ctx, s.cl
	order := prefix + "-checkout"
	amount := money.New(15000)

	created, _, err := cl.CreatePayment(ctx, generated.CreatePaymentRequest{
		Method: generated.CreatePaymentMethodCard, Amount: amount, OrderID: order,
		OrderName: "Toss T-shirts", ReturnURL: "http://localhost:8080/return",
	})
	if !s.payment("create payment window", created, err, generated.PaymentStatusReady, func(p *generated.Payment) string {
		return fmt.Sprintf("%s = supplied %s + VAT %s", won(p.TotalAmount), p.SuppliedAmount, p.Vat)
	}) {
		return
	}

	var target *generated.Payment // the payment the cancels act on
	if browser {
		if s.approve(created) {
			done, _, err := cl.ConfirmPayment(ctx, generated.ConfirmPaymentRequest{PaymentKey: created.PaymentKey, OrderID: order, Amount: amount})
			if s.payment("confirm", done, err, generated.PaymentStatusDone, cardDetail) {
				target = done
			}
		}
	} else {
		s.skip("approve at checkout", "needs a browser: open "+checkoutURL(created))
		s.skip("confirm", "needs the approval")
	}

	keyInReq := generated.KeyInPaymentRequest{
		Amount: amount, OrderID: prefix + "-keyin", OrderName: "Toss T-shirts", CardNumber: demoCard,
		CardExpirationYear: fmt.Sprintf("%02d", (time.Now().Year()+3)%100), CardExpirationMonth: "12", CustomerIdentityNumber: "881212",
	}
	keyed, meta, err := cl.KeyInPayment(ctx, keyInReq)
	s.payment("key-in (card entered by the merchant)", keyed, err, generated.PaymentStatusDone, cardDetail)
	if target == nil && err == nil {
		target = keyed
	}

	if target != nil {
		part := money.New(5000)
		p, _, err := cl.CancelPayment(ctx, target.PaymentKey, generated.CancelPaymentRequest{CancelReason: "one shirt returned", CancelAmount: &part})
		s.payment("partial cancel of "+won(part), p, err, generated.PaymentStatusPartialCanceled, func(p *generated.Payment) string {
			return "balance " + won(p.BalanceAmount)
		})
		p, _, err = cl.CancelPayment(ctx, target.PaymentKey, generated.CancelPaymentRequest{CancelReason: "order cancelled"})
		s.payment("full cancel of the rest", p, err, generated.PaymentStatusCanceled, func(p *generated.Payment) string {
			n := 0
			if p.Cancels != nil {
				n = len(*p.Cancels)
			}
			return fmt.Sprintf("balance %s, %d cancels", won(p.BalanceAmount), n)
		})
	}

	declined := keyInReq
	declined.OrderID = prefix + "-declined"
	var callOpts []wrapper.CallOption
	// The demo prints card numbers masked, as Toss does, even test ones.
	how := "reserved card " + declineCard[:8] + "****" + declineCard[12:]
	if browser {
		declined.CardNumber = declineCard
	} else {
		callOpts = append(callOpts, wrapper.WithTestCode(string(generated.ErrorCodeRejectCardCompany)))
		how = "TossPayments-Test-Code REJECT_CARD_COMPANY"
	}
	_, _, err = cl.KeyInPayment(ctx, declined, callOpts...)
	switch {
	case err == nil:
		s.row("declined key-in", "DONE", "want a decline", false)
	default:
		s.row("declined key-in", errResult(err), how+", class "+wrapper.ClassOf(err).String(), wrapper.IsDeclined(err))
	}

	if keyed != nil && meta != nil {
		again, _, err := cl.KeyInPayment(ctx, keyInReq, wrapper.WithIdempotencyKey(meta.IdempotencyKey))
		switch {
		case err != nil:
			s.row("idempotent retry of the key-in", errResult(err), "want the first answer replayed", false)
		default:
			s.row("idempotent retry of the key-in", string(again.Status),
				"same Idempotency-Key: first answer replayed, same paymentKey, no second charge", again.PaymentKey == keyed.PaymentKey)
		}
	}

	want := generated.PaymentStatusCanceled
	if !browser {
		want = generated.PaymentStatusReady
	}
	found, _, err := cl.GetPaymentByOrderID(ctx, order)
	s.payment("look-up by orderId", found, err, want, func(p *generated.Payment) string {
		return "orderId " + p.OrderID
	})
}

// approve plays the customer: POST result=approve to the checkout page and
// follow nothing; the 303 says where the browser would go.
func (s *story) approve(p *generated.Payment) bool {
	u := checkoutURL(p)
	req, err := http.NewRequestWithContext(s.ctx, http.MethodPost, u, strings.NewReader(url.Values{"result": {"approve"}}.Encode()))
	if err != nil {
		s.row("approve at checkout", err.Error(), "", false)
		return false
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := s.browser.Do(req)
	if err != nil {
		s.row("approve at checkout", err.Error(), "", false)
		return false
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || loc == nil || loc.Query().Get("paymentKey") != p.PaymentKey {
		s.row("approve at checkout", resp.Status, "want 303 to returnUrl", false)
		return false
	}
	got, _, err := s.cl.GetPayment(s.ctx, p.PaymentKey)
	return s.payment("approve at checkout (form POST)", got, err, generated.PaymentStatusInProgress, func(*generated.Payment) string {
		return "303 to returnUrl?paymentKey=…&orderId=…&amount=" + loc.Query().Get("amount")
	})
}

// cardDetail names the payment's (masked) card; a server may send no card
// object, and the demo must not panic on it.
func cardDetail(p *generated.Payment) string {
	if p.Card == nil {
		return "no card object"
	}
	return "card " + p.Card.Number
}

func checkoutURL(p *generated.Payment) string {
	if p.Checkout == nil || p.Checkout.URL == nil {
		return ""
	}
	return *p.Checkout.URL
}
