package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/tosspayments-go/tosspayments-go/sandbox"
)

// hostile is text a hostile server puts in every string it answers: an
// escape sequence that clears the screen, an OSC 8 hyperlink, a bell, an
// 8-bit CSI (U+009B), a right-to-left override, a line separator and a
// zero-width space.
const hostile = "\x1b[2J\x1b]8;;https://evil.example/\x07click\x1b]8;;\x07\u009b31m\u202egnp.exe\u2028\u200bX"

// hostileJSON is hostile as a JSON string (the escapes JSON requires only:
// the non-ASCII characters raw, as Go's encoder writes them).
var hostileJSON = func() string { b, _ := json.Marshal(hostile); return string(b) }()

// terminalUnsafe reports the first thing in s a terminal would interpret
// or that reorders or hides text.
func terminalUnsafe(s string) string {
	for _, bad := range []string{"\x1b", "\x07", "\u009b", "\u202e", "\u2028", "\u200b"} {
		if strings.Contains(s, bad) {
			return fmt.Sprintf("%q", bad)
		}
	}
	return ""
}

// hostileSandbox answers every test control with hostile text in each
// string a sandbox's answer has.
func hostileSandbox(t *testing.T) *httptest.Server {
	h := hostileJSON
	delivery := `{"transmissionId":` + h + `,"eventType":` + h + `,"paymentKey":` + h + `,"orderId":` + h + `,"status":` + h +
		`,"url":` + h + `,"state":` + h + `,"resentFrom":RESENT,"attempts":[{"retriedCount":0,"at":"2026-01-01T00:00:00+09:00","statusCode":500,"answer":` + h + `},` +
		`{"retriedCount":1,"at":"2026-01-01T00:01:00+09:00","error":` + h + `}]}`
	mux := http.NewServeMux()
	mux.HandleFunc(sandbox.ClockPath, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"now":"2026-01-01T00:00:00+09:00","wallClock":"2026-01-01T00:00:00+09:00","offset":`+h+`,"offsetSeconds":1,"moved":`+h+`}`)
	})
	mux.HandleFunc(sandbox.TriggersPath+"/{event}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"event":`+h+`,"payments":[{"paymentKey":`+h+`,"orderId":`+h+`,"method":`+h+`,"status":`+h+`,"totalAmount":1,"balanceAmount":1,"refundStatus":`+h+`}],`+
			`"billingKey":`+h+`,"deliveries":[{"id":`+h+`,"eventType":`+h+`,"paymentKey":`+h+`,"status":`+h+`}]}`)
	})
	mux.HandleFunc(sandbox.WebhookDeliveriesPath, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"deliveries":[`+strings.Replace(delivery, "RESENT", `""`, 1)+`]}`)
	})
	mux.HandleFunc(sandbox.WebhookDeliveriesPath+"/{id}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, strings.Replace(delivery, "RESENT", `""`, 1))
	})
	mux.HandleFunc(sandbox.WebhookDeliveriesPath+"/{id}/resend", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, strings.Replace(delivery, "RESENT", h, 1))
	})
	mux.HandleFunc(sandbox.LogsPath, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		call := `{"seq":1,"at":"2026-01-01T00:00:00+09:00","method":` + h + `,"path":` + h + `,"status":200,"code":` + h +
			`,"idempotencyKey":` + h + `,"fault":` + h + `,"traceId":` + h + `,"durationMs":1}`
		fmt.Fprintf(w, "id: 1\nevent: call\ndata: %s\n\n", call)
		fmt.Fprintf(w, "id: 2\nevent: call\ndata: not json \x1b[2J\n\n")
		fmt.Fprintf(w, "event: lost\ndata: %s\n\n", h)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	mux.HandleFunc("GET /v1/payments/{key}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"paymentKey":"abcdef","orderId":`+h+`,"orderName":`+h+`,"status":"DONE","method":"카드","currency":"KRW","requestedAt":"2026-01-01T00:00:00+09:00","totalAmount":1000,"balanceAmount":1000,"mId":`+h+`}`)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"code":`+h+`,"message":`+h+`}`)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// TestControlsSanitiseHostileServer: what a server given by --base-url or
// TOSS_BASE_URL answers reaches the terminal with its escape sequences,
// C1 controls and bidirectional or invisible characters made visible, as
// text and as --json (which stays valid JSON, one value a line).
func TestControlsSanitiseHostileServer(t *testing.T) {
	t.Parallel()
	srv := hostileSandbox(t)
	vars := map[string]string{"TOSS_SECRET_KEY": sandbox.TestSecretKey, "TOSS_BASE_URL": srv.URL}
	cmds := [][]string{
		{"clock", "show"}, {"clock", "advance", "1d"}, {"trigger", "payment.done"},
		{"webhooks", "list"}, {"webhooks", "show", "x"}, {"webhooks", "resend", "x"},
		{"get", "--payment-key", "abcdef"},
	}
	for _, args := range cmds {
		for _, asJSON := range []bool{false, true} {
			a := args
			if asJSON {
				if args[0] == "get" {
					continue
				}
				a = append(append([]string{}, args...), "--json")
			}
			code, out, errs := runCmd(t, vars, a...)
			if bad := terminalUnsafe(out + errs); bad != "" {
				t.Errorf("%v printed %s: %q %q", a, bad, out, errs)
			}
			if code != exitOK {
				t.Errorf("%v: exit %d: %q", a, code, errs)
			}
			if (asJSON || args[0] == "get") && code == exitOK && !json.Valid([]byte(out)) {
				t.Errorf("%v --json printed invalid JSON: %q", a, out)
			}
		}
	}

	for _, asJSON := range []bool{false, true} {
		ctx, cancel := context.WithCancel(context.Background())
		var out, errb syncBuffer
		done := make(chan int)
		args := []string{"logs", "tail"}
		if asJSON {
			args = append(args, "--json")
		}
		go func() {
			done <- run(ctx, args, env{stdout: &out, stderr: &errb, getenv: func(k string) string { return vars[k] }})
		}()
		deadline := time.Now().Add(10 * time.Second)
		for !strings.Contains(errb.String(), "not shown") && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
		<-done
		if bad := terminalUnsafe(out.String() + errb.String()); bad != "" {
			t.Errorf("%v printed %s: %q %q", args, bad, out.String(), errb.String())
		}
		if asJSON {
			for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
				if !json.Valid([]byte(line)) {
					t.Errorf("logs tail --json printed a line that is not JSON: %q", line)
				}
			}
		}
	}
}

// TestJSONForTerminal: the escapes keep the JSON value (a character past
// U+FFFF as its surrogate pair, an invalid byte as U+FFFD), the printable
// text (Korean) stays as it is, and what is not JSON is refused.
func TestJSONForTerminal(t *testing.T) {
	t.Parallel()
	in := "{\"a\": \"결제 \u009b\u202e\U000E0001\x7f\xff\\u001b\"}"
	got, ok := jsonForTerminal([]byte(in))
	want := `{"a": "결제 \u009b\u202e\udb40\udc01\u007f\ufffd\u001b"}`
	if !ok || got != want {
		t.Fatalf("jsonForTerminal = %q, %v; want %q", got, ok, want)
	}
	var v struct{ A string }
	if json.Unmarshal([]byte(got), &v) != nil || v.A != "결제 \u009b\u202e\U000E0001\x7f\uFFFD\x1b" {
		t.Errorf("the value changed: %q", v.A)
	}
	if _, ok := jsonForTerminal([]byte("\x1b[2J")); ok {
		t.Error("took text that is not JSON")
	}
	if got := printableText("a\u202eb\\c\x1bd", 64); got != `a\u202eb\\c\x1bd` {
		t.Errorf("printableText = %q", got)
	}
}

// TestLogsTailIgnoresAnUnsendableID: an event id that is no header value
// (a control character) is not sent back as Last-Event-ID, where it made
// every reconnection fail before it was sent; the last good id is.
func TestLogsTailIgnoresAnUnsendableID(t *testing.T) {
	t.Parallel()
	lastIDs := make(chan string, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lastIDs <- r.Header.Get("Last-Event-ID")
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "id: 7\nevent: ping\ndata: {}\n\nid: 8\x01\nevent: ping\ndata: {}\n\n")
	}))
	defer srv.Close()
	vars := map[string]string{"TOSS_SECRET_KEY": sandbox.TestSecretKey, "TOSS_BASE_URL": srv.URL}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb syncBuffer
	done := make(chan int)
	go func() {
		done <- run(ctx, []string{"logs", "tail"}, env{stdout: &out, stderr: &errb, getenv: func(k string) string { return vars[k] }})
	}()
	for i, want := range []string{"", "7"} {
		select {
		case got := <-lastIDs:
			if got != want {
				t.Errorf("connection %d: Last-Event-ID %q, want %q", i, got, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("connection %d never came: %q", i, errb.String())
		}
	}
	cancel()
	<-done
}

// TestDemoRowsSanitised: every row of "tosspay demo" (against
// --base-url, the server's statuses, codes and account numbers fill them)
// is printed sanitised, a tab included (it would shift the columns).
func TestDemoRowsSanitised(t *testing.T) {
	t.Parallel()
	var out strings.Builder
	s := &story{tw: tabwriter.NewWriter(&out, 0, 0, 2, ' ', 0)}
	s.row("step", hostile+"\t", "account "+hostile, true)
	s.skip("step", hostile)
	_ = s.tw.Flush()
	if bad := terminalUnsafe(out.String()); bad != "" || strings.Count(out.String(), "\t") != 0 {
		t.Errorf("demo printed %s: %q", bad, out.String())
	}
}

// TestLogsTailBoundsARefusal: the error answer of a server refusing the
// stream is read to at most 64 KiB (it was decoded whole: an endless one
// took all the memory), and its message is still printed when it fits.
func TestLogsTailBoundsARefusal(t *testing.T) {
	t.Parallel()
	const endless = 64 << 20
	wrote := make(chan int, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		n, _ := fmt.Fprint(w, `{"code":"X","message":"`)
		chunk := []byte(strings.Repeat("a", 64<<10))
		for n < endless {
			m, err := w.Write(chunk)
			n += m
			if err != nil {
				break
			}
		}
		wrote <- n
	}))
	defer srv.Close()
	vars := map[string]string{"TOSS_SECRET_KEY": sandbox.TestSecretKey, "TOSS_BASE_URL": srv.URL}
	if code, _, errs := runCmd(t, vars, "logs", "tail"); code != exitAPI || !strings.Contains(errs, "400") {
		t.Errorf("exit %d: %q", code, errs)
	}
	if n := <-wrote; n >= endless {
		t.Errorf("the whole answer (%d bytes) was read", n)
	}
}

// TestTransportErrorsSanitised: the error of a server's malformed answer
// (a header line without a colon, which the error message quotes) reaches
// the terminal escaped, from every control: a guard, as Go quotes it now.
func TestTransportErrorsSanitised(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_, _ = bufio.NewReader(c).ReadString('\n')
				_, _ = fmt.Fprint(c, "HTTP/1.1 200 OK\r\n"+hostile+"\r\n\r\n")
			}()
		}
	}()
	vars := map[string]string{"TOSS_SECRET_KEY": sandbox.TestSecretKey, "TOSS_BASE_URL": "http://" + ln.Addr().String()}
	for _, args := range [][]string{{"clock", "show"}, {"trigger", "payment.done"}, {"webhooks", "list"}} {
		code, out, errs := runCmd(t, vars, args...)
		if bad := terminalUnsafe(out + errs); bad != "" || code == exitOK {
			t.Errorf("%v: %d printed %s: %q", args, code, bad, errs)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	var out, errb syncBuffer
	run(ctx, []string{"logs", "tail"}, env{stdout: &out, stderr: &errb, getenv: func(k string) string { return vars[k] }})
	if bad := terminalUnsafe(out.String() + errb.String()); bad != "" {
		t.Errorf("logs tail printed %s: %q", bad, errb.String())
	}
}
