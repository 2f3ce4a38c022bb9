package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"strings"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/money"
	"github.com/tosspayments-go/tosspayments-go/sensitive"
	"github.com/tosspayments-go/tosspayments-go/wrapper"
)

// common holds the flags every ops command takes.
type common struct {
	idempotencyKey string
	maxRetries     int
	baseURL        string
	lang           string
	timeout        time.Duration
}

func addCommon(fs *flag.FlagSet, e env) *common {
	c := &common{}
	base := e.getenv("TOSS_BASE_URL")
	if base == "" {
		base = wrapper.DefaultBaseURL
	}
	fs.StringVar(&c.idempotencyKey, "idempotency-key", "", "Idempotency-Key of a POST (default: a fresh UUID); reuse it to repeat a call safely")
	fs.IntVar(&c.maxRetries, "max-retries", wrapper.DefaultRetryPolicy.MaxAttempts-1, "retries after the first attempt, 0 to 9")
	fs.StringVar(&c.baseURL, "base-url", base, "API base URL (default $TOSS_BASE_URL, else the real API)")
	fs.StringVar(&c.lang, "lang", "", `Accept-Language, e.g. "en-US" for English values and messages`)
	fs.DurationVar(&c.timeout, "timeout", wrapper.DefaultTimeout, "timeout of each attempt")
	return c
}

// client builds the wrapper client from the flags and TOSS_SECRET_KEY.
func (c *common) client(e env) (*wrapper.Client, error) {
	key := e.getenv("TOSS_SECRET_KEY")
	if key == "" {
		return nil, errors.New("TOSS_SECRET_KEY is not set (a test_sk_ key; for a local sandbox, the key it prints)")
	}
	if c.maxRetries < 0 || c.maxRetries > 9 {
		return nil, fmt.Errorf("--max-retries %d is not in 0..9", c.maxRetries)
	}
	p := wrapper.DefaultRetryPolicy
	p.MaxAttempts = c.maxRetries + 1
	opts := []wrapper.Option{
		wrapper.WithBaseURL(c.baseURL),
		wrapper.WithRetry(p),
		wrapper.WithTimeout(c.timeout),
	}
	if c.lang != "" {
		opts = append(opts, wrapper.WithLanguage(c.lang))
	}
	return wrapper.New(key, opts...)
}

func (c *common) callOpts() []wrapper.CallOption {
	if c.idempotencyKey == "" {
		return nil
	}
	return []wrapper.CallOption{wrapper.WithIdempotencyKey(c.idempotencyKey)}
}

// amountFlag is a money.Amount flag that knows whether it was set.
type amountFlag struct {
	v   money.Amount
	set bool
}

func (a *amountFlag) String() string { return a.v.String() }

func (a *amountFlag) Set(s string) error {
	v, err := money.Parse(s)
	if err != nil {
		return fmt.Errorf("not an amount")
	}
	a.v, a.set = v, true
	return nil
}

type intFlag struct {
	v   int
	set bool
}

func (i *intFlag) String() string { return fmt.Sprint(i.v) }

func (i *intFlag) Set(s string) error {
	_, err := fmt.Sscanf(s, "%d", &i.v)
	i.set = err == nil
	return err
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// optSensitive is optString for card and personal data.
func optSensitive(s string) *sensitive.String {
	if s == "" {
		return nil
	}
	v := sensitive.String(s)
	return &v
}

// unexpectedArg reports the first positional argument by its position among
// the command's arguments, never by its value: it is often the rest of a
// card number typed with spaces ("--card-number 4330 1234 ...").
func unexpectedArg(e env, name string, args []string, fs *flag.FlagSet) {
	fmt.Fprintf(e.stderr, "tosspay %s: unexpected argument #%d (values are not echoed); quote a value that contains spaces\n",
		name, len(args)-fs.NArg()+1)
}

// runOp runs one of the ops commands.
func runOp(ctx context.Context, name string, args []string, e env) int {
	fs := flag.NewFlagSet("tosspay "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	c := addCommon(fs, e)
	var (
		paymentKey, orderID, orderName, returnURL, method, flowMode, easyPay, cardCompany, confirmation  string
		cancelReason, cardNumber, expYear, expMonth, identity, cardPassword, customerName, customerEmail string
		amount, cancelAmount, taxFree, refundable                                                        amountFlag
		installment                                                                                      intFlag
		required                                                                                         []string
	)
	switch name {
	case "create":
		fs.StringVar(&method, "method", "CARD", "payment method")
		fs.StringVar(&orderID, "order-id", "", "order ID (the spec's rules are checked before sending)")
		fs.StringVar(&orderName, "order-name", "", "order name")
		fs.Var(&amount, "amount", "amount")
		fs.StringVar(&returnURL, "return-url", "", "URL the customer returns to")
		fs.StringVar(&flowMode, "flow-mode", "", "DEFAULT or DIRECT")
		fs.StringVar(&easyPay, "easy-pay", "", "digital wallet code, e.g. TOSSPAY")
		fs.StringVar(&cardCompany, "card-company", "", "card company code")
		fs.StringVar(&confirmation, "confirmation-method", "", "MANUAL or AUTOMATIC")
		required = []string{"order-id", "order-name", "amount", "return-url"}
	case "confirm":
		fs.StringVar(&paymentKey, "payment-key", "", "payment key")
		fs.StringVar(&orderID, "order-id", "", "order ID")
		fs.Var(&amount, "amount", "authenticated amount")
		required = []string{"payment-key", "order-id", "amount"}
	case "cancel":
		fs.StringVar(&paymentKey, "payment-key", "", "payment key")
		fs.StringVar(&cancelReason, "cancel-reason", "", "why the payment is cancelled")
		fs.Var(&cancelAmount, "cancel-amount", "amount to cancel (default: the whole balance)")
		fs.Var(&taxFree, "tax-free-amount", "tax-free part of the cancel amount")
		fs.Var(&refundable, "refundable-amount", "deprecated: the balance you expect; the cancel fails if it differs")
		required = []string{"payment-key", "cancel-reason"}
	case "get":
		fs.StringVar(&paymentKey, "payment-key", "", "payment key")
		required = []string{"payment-key"}
	case "get-order":
		fs.StringVar(&orderID, "order-id", "", "order ID")
		required = []string{"order-id"}
	case "key-in":
		fs.StringVar(&orderID, "order-id", "", "order ID")
		fs.StringVar(&orderName, "order-name", "", "order name")
		fs.Var(&amount, "amount", "amount, whole won")
		fs.StringVar(&cardNumber, "card-number", "", "card number")
		fs.StringVar(&expYear, "card-expiration-year", "", "expiration year, two digits")
		fs.StringVar(&expMonth, "card-expiration-month", "", "expiration month, two digits")
		fs.StringVar(&identity, "customer-identity-number", "", "date of birth YYMMDD or business number (10 digits); the spec requires it")
		fs.StringVar(&cardPassword, "card-password", "", "first two digits of the card PIN")
		fs.Var(&installment, "installment", "installment months (0, 2..12)")
		fs.Var(&taxFree, "tax-free-amount", "tax-free part of the amount")
		fs.StringVar(&customerName, "customer-name", "", "customer name")
		fs.StringVar(&customerEmail, "customer-email", "", "customer email")
		required = []string{"order-id", "order-name", "amount", "card-number", "card-expiration-year", "card-expiration-month"}
	}
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() > 0 {
		unexpectedArg(e, name, args, fs)
		return exitUsage
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var missing []string
	for _, r := range required {
		if !set[r] {
			missing = append(missing, "--"+r)
		}
	}
	if len(missing) > 0 {
		fmt.Fprintf(e.stderr, "tosspay %s: missing %s (nothing was sent)\n", name, strings.Join(missing, ", "))
		return exitUsage
	}
	cl, err := c.client(e)
	if err != nil {
		fmt.Fprintf(e.stderr, "tosspay %s: %v (nothing was sent)\n", name, err)
		return exitUsage
	}
	defer cl.CloseIdleConnections()
	opts := c.callOpts()

	var p *generated.Payment
	switch name {
	case "create":
		req := generated.CreatePaymentRequest{
			Method: generated.CreatePaymentMethod(method), Amount: amount.v, OrderID: orderID, OrderName: orderName, ReturnURL: returnURL,
			EasyPay: optString(easyPay), CardCompany: optString(cardCompany),
		}
		if flowMode != "" {
			fm := generated.FlowMode(flowMode)
			req.FlowMode = &fm
		}
		if confirmation != "" {
			cm := generated.ConfirmationMethod(confirmation)
			req.ConfirmationMethod = &cm
		}
		p, _, err = cl.CreatePayment(ctx, req, opts...)
	case "confirm":
		p, _, err = cl.ConfirmPayment(ctx, generated.ConfirmPaymentRequest{PaymentKey: paymentKey, OrderID: orderID, Amount: amount.v}, opts...)
	case "cancel":
		req := generated.CancelPaymentRequest{CancelReason: cancelReason}
		if cancelAmount.set {
			req.CancelAmount = &cancelAmount.v
		}
		if taxFree.set {
			req.TaxFreeAmount = &taxFree.v
		}
		if refundable.set {
			req.RefundableAmount = &refundable.v
		}
		p, _, err = cl.CancelPayment(ctx, paymentKey, req, opts...)
	case "get":
		p, _, err = cl.GetPayment(ctx, paymentKey, opts...)
	case "get-order":
		p, _, err = cl.GetPaymentByOrderID(ctx, orderID, opts...)
	case "key-in":
		req := generated.KeyInPaymentRequest{
			Amount: amount.v, OrderID: orderID, OrderName: orderName, CardNumber: sensitive.String(cardNumber),
			CardExpirationYear: expYear, CardExpirationMonth: expMonth, CustomerIdentityNumber: sensitive.String(identity),
			CardPassword: optSensitive(cardPassword), CustomerName: optString(customerName),
		}
		if customerEmail != "" {
			em := openapi_types.Email(customerEmail)
			req.CustomerEmail = &em
		}
		if installment.set {
			req.CardInstallmentPlan = &installment.v
		}
		if taxFree.set {
			req.TaxFreeAmount = &taxFree.v
		}
		p, _, err = cl.KeyInPayment(ctx, req, opts...)
	}
	if err != nil {
		return report(e, name, err)
	}
	out, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		fmt.Fprintf(e.stderr, "tosspay %s: %v\n", name, err)
		return exitAPI
	}
	fmt.Fprintf(e.stdout, "%s\n", out)
	return exitOK
}

// report prints a failure on stderr as "CODE: message" with what support
// needs, and returns the exit status.
func report(e env, name string, err error) int {
	var (
		ve *wrapper.ValidationError
		ae *wrapper.APIError
		te *wrapper.TransportError
	)
	switch {
	case errors.As(err, &ve):
		fmt.Fprintf(e.stderr, "INVALID_INPUT: %v\n", err)
		return exitUsage
	case errors.As(err, &ae):
		code := string(ae.Code)
		if code == "" {
			code = http.StatusText(ae.StatusCode)
		}
		fmt.Fprintf(e.stderr, "%s: %s\n", code, ae.Message)
		fmt.Fprintf(e.stderr, "  status %d, class %s, trace id %s, idempotency key %s, attempts %d\n",
			ae.StatusCode, ae.Class(), orDash(ae.TraceID), orDash(ae.IdempotencyKey), ae.Attempts)
		if wrapper.IsOutcomeUnknown(err) {
			fmt.Fprintf(e.stderr, "  %s\n", unknownAdvice(wrapper.IsRetryable(err), ae.IdempotencyKey))
			return exitUnknown
		}
		return exitAPI
	case errors.As(err, &te):
		fmt.Fprintf(e.stderr, "TRANSPORT_ERROR: %v\n", err)
		if wrapper.IsOutcomeUnknown(err) {
			fmt.Fprintf(e.stderr, "  %s\n", unknownAdvice(true, te.IdempotencyKey))
			return exitUnknown
		}
		return exitAPI
	}
	fmt.Fprintf(e.stderr, "tosspay %s: %v\n", name, err)
	return exitAPI
}

// unknownAdvice is the advice for an outcome-unknown error: repeat with the
// same key only when that can give another answer (wrapper.IsRetryable);
// otherwise the repeat would replay the same answer, so look the payment up.
func unknownAdvice(repeatable bool, key string) string {
	if repeatable {
		return "the outcome is unknown: repeat with --idempotency-key " + key + ", or look the payment up (tosspay get / get-order); never repeat with a new key"
	}
	return "the outcome is unknown, and repeating with --idempotency-key " + key + " would replay this answer: look the payment up (tosspay get / get-order) and act on its status"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
