package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/tosspayments-go/tosspayments-go/openapi"
	"github.com/tosspayments-go/tosspayments-go/sandbox"
	"github.com/tosspayments-go/tosspayments-go/webhook"
)

const (
	// listenPoll is how long one GET of sandbox.WebhookListenPath waits.
	listenPoll = 25 * time.Second
)

// runListen is "tosspay listen --forward-to URL": it points the key's
// webhooks at this listener (sandbox.ListenWebhookURL), then forwards each
// attempt to the app with Toss's headers and reports the app's answer, until
// Ctrl-C. The sandbox counts the answer as if it had POSTed the webhook
// itself: 200 delivered, anything else retried on Toss's schedule.
func runListen(ctx context.Context, args []string, e env) int {
	fs := flag.NewFlagSet("tosspay listen", flag.ContinueOnError)
	forward := fs.String("forward-to", "", "your app's webhook URL (http or https), e.g. http://127.0.0.1:3000/webhooks/toss")
	base := fs.String("base-url", "", "the sandbox's base URL (default: $TOSS_BASE_URL)")
	if code := parseFlags(fs, "listen", args, e, func(w io.Writer) { printRunHelp(w, "listen", fs) }); code >= 0 {
		return code
	}
	if u, err := url.Parse(*forward); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		fmt.Fprintf(e.stderr, "tosspay listen: --forward-to: want your app's absolute http(s) URL\n%s\n", hint("listen"))
		return exitUsage
	}
	if *base == "" {
		*base = e.getenv("TOSS_BASE_URL")
	}
	key := e.getenv("TOSS_SECRET_KEY")
	if *base == "" || key == "" {
		fmt.Fprintf(e.stderr, "tosspay listen: needs the sandbox's base URL (--base-url or TOSS_BASE_URL) and TOSS_SECRET_KEY (the real API has no listener: register your URL in the developer center there)\n")
		return exitUsage
	}
	if strings.HasPrefix(key, "live_") {
		// The sandbox never takes a live key: do not send one anywhere.
		fmt.Fprintf(e.stderr, "tosspay listen: TOSS_SECRET_KEY is a live key; the sandbox takes test keys only (test_sk_...)\n")
		return exitUsage
	}
	l := &listener{
		base: strings.TrimSuffix(*base, "/"), key: key, forward: *forward, out: e.stdout,
		api: &http.Client{Timeout: listenPoll + 10*time.Second, CheckRedirect: refuseRedirect},
		app: &http.Client{Timeout: openapi.WebhookTimeout, CheckRedirect: refuseRedirect},
	}
	previous, err := l.register(ctx)
	if err != nil {
		fmt.Fprintf(e.stderr, "tosspay listen: %v\n", err)
		if errors.Is(err, errRefused) {
			return exitAPI
		}
		return exitUnreachable
	}
	fmt.Fprintf(e.stdout, "Forwarding the webhooks of this key to %s (Ctrl-C to stop; the key's webhook URL is %q until then).\n", *forward, sandbox.ListenWebhookURL)
	defer func() {
		// Give the key its URL back, so that its webhooks are not held for
		// a listener that is gone.
		rctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if previous != "" && deadLocalURL(l.base, previous) {
			// A URL on this machine that nothing listens on any more (the
			// app of an earlier run): restored, it would hold the key's
			// webhooks in retries for days.
			fmt.Fprintf(e.stdout, "The key's previous webhook URL %s no longer answers (connection refused); removing it instead of restoring it.\n", printable(previous))
			previous = ""
		}
		if err := l.restore(rctx, previous); err != nil {
			fmt.Fprintf(e.stderr, "tosspay listen: %v; the key's webhook URL is still %q\n", err, sandbox.ListenWebhookURL)
			return
		}
		if previous != "" {
			// Quoted: the URL is the sandbox's answer, and may carry escapes.
			fmt.Fprintf(e.stdout, "Stopped; the key's webhook URL is %q again.\n", previous)
		} else {
			fmt.Fprintf(e.stdout, "Stopped; the key has no webhook URL again.\n")
		}
	}()
	for ctx.Err() == nil {
		if err := l.once(ctx); err != nil && ctx.Err() == nil {
			fmt.Fprintf(e.stderr, "tosspay listen: %v; trying again in 2s\n", err)
			select {
			case <-ctx.Done():
			case <-time.After(2 * time.Second):
			}
		}
	}
	return exitOK
}

func refuseRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// deadLocalURL reports whether u names a port on this machine (localhost
// or a loopback address) that refuses connections, when the sandbox at
// base is on this machine too. A URL elsewhere is never judged from here,
// nor one a sandbox elsewhere answered (its loopback is not ours; and a
// server would learn from the restore whether a port of ours is open).
func deadLocalURL(base, u string) bool {
	b, err := url.Parse(base)
	if err != nil || !loopbackHost(b.Hostname()) {
		return false
	}
	p, err := url.Parse(u)
	if err != nil {
		return false
	}
	host := p.Hostname()
	if !loopbackHost(host) {
		return false
	}
	port := p.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[p.Scheme]
	}
	c, err := net.DialTimeout("tcp", net.JoinHostPort(host, port), time.Second)
	if err != nil {
		return errors.Is(err, syscall.ECONNREFUSED)
	}
	c.Close()
	return false
}

// loopbackHost reports whether host is localhost or a loopback address.
func loopbackHost(host string) bool {
	ip := net.ParseIP(host)
	return host == "localhost" || ip != nil && ip.IsLoopback()
}

type listener struct {
	base, key, forward string
	out                io.Writer
	api, app           *http.Client
}

// call makes one request to the sandbox's own API.
func (l *listener) call(ctx context.Context, method, path string, body any) (int, []byte, error) {
	return sandboxCall(ctx, l.api, l.base, l.key, method, path, body)
}

// answerError describes a sandbox answer that is not the expected one by
// its status and Toss error code, never by anything else it echoes.
func answerError(what string, status int, b []byte) error {
	var te struct{ Code string }
	_ = json.Unmarshal(b, &te)
	code := te.Code
	if len(code) > 64 || strings.ContainsFunc(code, func(r rune) bool { return !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') }) {
		code = "(an error code that is not one)" // whatever a server echoes goes no further
	}
	return fmt.Errorf("%s: %w %d %s", what, errRefused, status, code)
}

// errRefused is an answer of the sandbox that is not the one expected.
var errRefused = errors.New("the sandbox answered")

// register points the key's webhooks at the listener and returns the URL
// the key had registered itself ("" for none, or the sandbox's default).
func (l *listener) register(ctx context.Context) (string, error) {
	status, b, err := l.call(ctx, http.MethodGet, sandbox.WebhookEndpointPath, nil)
	if err != nil {
		return "", fmt.Errorf("read the key's webhook URL: %w", err)
	}
	if status != http.StatusOK {
		return "", answerError("read the key's webhook URL", status, b)
	}
	var ep sandbox.WebhookEndpoint
	_ = json.Unmarshal(b, &ep)
	previous := ""
	if ep.URL != nil && !ep.Default && *ep.URL != sandbox.ListenWebhookURL {
		previous = *ep.URL
	}
	status, b, err = l.call(ctx, http.MethodPut, sandbox.WebhookEndpointPath, map[string]string{"url": sandbox.ListenWebhookURL})
	if err != nil {
		return "", fmt.Errorf("register the listener: %w", err)
	}
	if status != http.StatusOK {
		return "", answerError("register the listener", status, b)
	}
	return previous, nil
}

// restore gives the key back the URL it had (or none).
func (l *listener) restore(ctx context.Context, previous string) error {
	method, body := http.MethodDelete, any(nil)
	if previous != "" {
		method, body = http.MethodPut, map[string]string{"url": previous}
	}
	status, b, err := l.call(ctx, method, sandbox.WebhookEndpointPath, body)
	if err != nil {
		return fmt.Errorf("restore the key's webhook URL: %w", err)
	}
	if status != http.StatusOK {
		return answerError("restore the key's webhook URL", status, b)
	}
	return nil
}

// once waits for one attempt, forwards it and reports the answer.
func (l *listener) once(ctx context.Context) error {
	status, b, err := l.call(ctx, http.MethodGet, fmt.Sprintf("%s?wait=%d", sandbox.WebhookListenPath, int(listenPoll/time.Second)), nil)
	switch {
	case err != nil:
		return err
	case status == http.StatusNoContent:
		return nil
	case status != http.StatusOK:
		return answerError("wait for a webhook", status, b)
	}
	var a sandbox.ListenedAttempt
	if err := json.Unmarshal(b, &a); err != nil || a.ID == "" {
		return errors.New("wait for a webhook: the sandbox's answer is not an attempt")
	}
	ans := l.deliver(ctx, a)
	status, b, err = l.call(ctx, http.MethodPost, sandbox.WebhookListenReportPath(a.ID), ans)
	if err == nil && status != http.StatusNoContent {
		err = answerError("report the app's answer", status, b)
	}
	fmt.Fprintln(l.out, describeAttempt(a, ans, err))
	return nil
}

// deliver POSTs the attempt to the app as the sandbox would.
func (l *listener) deliver(ctx context.Context, a sandbox.ListenedAttempt) sandbox.ListenedAnswer {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, l.forward, bytes.NewReader(a.Body))
	if err != nil {
		return sandbox.ListenedAnswer{Error: err.Error()}
	}
	forwardHeaders(req.Header, a.Headers)
	resp, err := l.app.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return sandbox.ListenedAnswer{Error: err.Error()}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, sandbox.WebhookAnswerBytes))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	return sandbox.ListenedAnswer{Status: resp.StatusCode, Answer: string(b)}
}

// forwardedHeaders are the only headers of an attempt the listener copies
// onto the request to the app: Toss's webhook headers and Content-Type.
// Anything else the sandbox's answer carries (Host, Authorization, Cookie,
// hop-by-hop headers...) stays behind.
var forwardedHeaders = []string{
	"Content-Type",
	openapi.HeaderWebhookTransmissionID,
	openapi.HeaderWebhookTransmissionTime,
	openapi.HeaderWebhookTransmissionRetriedCount,
	openapi.HeaderWebhookSignature,
}

// forwardHeaders copies the forwarded headers of an attempt onto h, each
// value only when it is a valid header value.
func forwardHeaders(h http.Header, sent map[string]string) {
	got := http.Header{}
	for name, v := range sent {
		got.Set(name, v)
	}
	for _, name := range forwardedHeaders {
		if v := got.Get(name); v != "" && validHeaderValue(v) {
			h.Set(name, v)
		}
	}
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
}

// validHeaderValue refuses control characters (CR, LF, NUL...) in a value.
func validHeaderValue(v string) bool {
	return !strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 && r != '\t' || r == 0x7f })
}

// describeAttempt is the line printed for an attempt: its event, the order
// and status its body claims, the retry, and what the app answered. Nothing
// else of the body (a DEPOSIT_CALLBACK carries the payment's secret) is
// printed, and what is printed is made printable first.
func describeAttempt(a sandbox.ListenedAttempt, ans sandbox.ListenedAnswer, reportErr error) string {
	h := http.Header{}
	for name, v := range a.Headers {
		h.Set(name, v)
	}
	what := "an event this listener cannot read"
	if u, err := webhook.Parse(a.Body, h); err == nil {
		what = fmt.Sprintf("%s  %s %s", printable(string(u.Type)), printable(u.OrderID()), printable(u.Status()))
	}
	line := fmt.Sprintf("%s  %s  retried %s  → ", time.Now().Format(time.TimeOnly), what, printable(h.Get(openapi.HeaderWebhookTransmissionRetriedCount)))
	if ans.Error != "" {
		line += "no answer: " + printable(ans.Error)
	} else {
		line += fmt.Sprintf("%d %s", ans.Status, http.StatusText(ans.Status))
	}
	if reportErr != nil {
		line += " (not reported: " + printable(reportErr.Error()) + ")"
	}
	return line
}
