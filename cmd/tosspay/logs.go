package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tosspayments-go/tosspayments-go/sandbox"
	"github.com/tosspayments-go/tosspayments-go/tosstime"
)

// logsIdle is how long "logs tail" waits without a byte (the sandbox sends
// a comment every 15 s) before it reconnects.
const logsIdle = 45 * time.Second

// runLogs is "tosspay logs tail": it follows the key's API calls
// (sandbox.LogsPath, Server-Sent Events) and prints one line per call,
// reconnecting (with Last-Event-ID, so nothing the log holds is missed)
// when the stream ends, until Ctrl-C.
func runLogs(ctx context.Context, args []string, e env) int {
	c := newControl("logs tail", e)
	status := c.fs.String("status", "", "only these statuses or classes, comma-separated: 200,4xx,5xx")
	path := c.fs.String("path", "", "only the calls whose path contains this, e.g. /cancel")
	if code := c.parse(args, nil); code >= 0 {
		return code
	}
	if len(c.words) != 0 {
		return c.usageError("takes no argument")
	}
	q := url.Values{}
	if *status != "" {
		q.Set("status", *status)
	}
	if *path != "" {
		q.Set("path", *path)
	}
	u := *c.base + sandbox.LogsPath
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	hc := &http.Client{CheckRedirect: refuseRedirect} // a stream: no overall timeout
	var last string
	for first := true; ctx.Err() == nil; first = false {
		code, err := c.stream(ctx, hc, u, &last, first)
		if code >= 0 {
			return code
		}
		if ctx.Err() != nil {
			break
		}
		if err != nil {
			fmt.Fprintf(e.stderr, "tosspay logs: %v; reconnecting in 2s\n", err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(2 * time.Second):
		}
	}
	return exitOK
}

// stream follows one connection. It returns an exit status when the
// sandbox refused the stream (>= 0), else -1 and why it ended.
func (c *control) stream(ctx context.Context, hc *http.Client, u string, last *string, first bool) (int, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return exitUsage, err
	}
	req.SetBasicAuth(c.key, "")
	req.Header.Set("Accept", "text/event-stream")
	if *last != "" {
		req.Header.Set("Last-Event-ID", *last)
	}
	resp, err := hc.Do(req)
	if err != nil {
		if first {
			fmt.Fprintf(c.e.stderr, "tosspay logs: the sandbox at %s did not answer: %v\n", *c.base, err)
			return exitUnreachable, nil
		}
		return -1, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var te struct{ Code, Message string }
		_ = json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&te)
		fmt.Fprintf(c.e.stderr, "tosspay logs: %d %s: %s\n", resp.StatusCode, printableText(te.Code, 64), printableText(te.Message, 400))
		if resp.StatusCode == http.StatusTooManyRequests && !first {
			return -1, nil
		}
		return exitAPI, nil
	}
	if first && !*c.json {
		fmt.Fprintln(c.e.stdout, "Following this key's API calls (Ctrl-C to stop).")
	}
	idle := time.AfterFunc(logsIdle, cancel)
	defer idle.Stop()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 64<<10)
	var event, data, id string
	for sc.Scan() {
		idle.Reset(logsIdle)
		line := sc.Text()
		switch {
		case line == "":
			if id != "" {
				*last = id
			}
			c.printEvent(event, data)
			event, data, id = "", "", ""
		case strings.HasPrefix(line, "event: "):
			event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			data = strings.TrimPrefix(line, "data: ")
		case strings.HasPrefix(line, "id: "):
			// Sent back as Last-Event-ID: a header value (the sandbox's
			// ids are numbers); another is ignored.
			if v := strings.TrimPrefix(line, "id: "); len(v) <= 64 && printableText(v, 64) == v && !strings.Contains(v, " ") {
				id = v
			}
		}
	}
	return -1, sc.Err()
}

// printEvent prints one event of the stream: a call as a line (or its
// JSON), a loss as a note on stderr.
func (c *control) printEvent(event, data string) {
	switch event {
	case "call":
		if *c.json {
			if text, ok := jsonForTerminal([]byte(data)); ok {
				fmt.Fprintln(c.e.stdout, text)
			}
			return
		}
		var lc sandbox.LoggedCall
		if json.Unmarshal([]byte(data), &lc) != nil {
			return
		}
		code := ""
		if lc.Code != "" {
			code = " " + printableText(lc.Code, 64)
		}
		idem := "-"
		if lc.IdempotencyKey != "" {
			idem = printableText(lc.IdempotencyKey, 80)
		}
		flags := ""
		if lc.Replay {
			flags += " (replay)"
		}
		if lc.Fault != "" {
			flags += " (fault " + printableText(lc.Fault, 40) + ")"
		}
		fmt.Fprintf(c.e.stdout, "%s  %-4s %s  %d%s  idem %s  trace %s  %sms%s\n",
			lc.At.In(tosstime.Seoul).Format("01-02 15:04:05.000"), printableText(lc.Method, 10), printableText(lc.Path, 200), lc.Status, code, idem,
			printableText(lc.TraceID, 64), strconv.FormatFloat(lc.DurationMs, 'f', 1, 64), flags)
	case "lost":
		fmt.Fprintf(c.e.stderr, "tosspay logs: this terminal fell behind; calls not shown: %s\n", printableText(data, 80))
	}
}
