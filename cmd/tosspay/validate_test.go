package main

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tosspayments-go/tosspayments-go/openapi"
)

// specExample is the first example the spec gives for an operation's
// response, as JSON: answers that match the spec.
func specExample(t *testing.T, opID string, status int) map[string]any {
	t.Helper()
	doc, err := openapi.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.OperationID != opID {
				continue
			}
			mt := op.Responses.Status(status).Value.Content.Get("application/json")
			var v any = mt.Example
			for _, ex := range mt.Examples {
				v = ex.Value.Value
				break
			}
			b, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			var m map[string]any
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			return m
		}
	}
	t.Fatalf("no example for %s %d", opID, status)
	return nil
}

type harEntry struct {
	method, url, mime string
	status            int
	body              []byte
	base64            bool
}

func writeHAR(t *testing.T, entries []harEntry) string {
	t.Helper()
	var list []any
	for _, e := range entries {
		content := map[string]any{"size": len(e.body), "mimeType": e.mime}
		if e.body != nil {
			if e.base64 {
				content["text"] = base64.StdEncoding.EncodeToString(e.body)
				content["encoding"] = "base64"
			} else {
				content["text"] = string(e.body)
			}
		}
		list = append(list, map[string]any{
			"startedDateTime": "2026-12-01T10:00:00.000+09:00",
			"time":            12.5,
			"request":         map[string]any{"method": e.method, "url": e.url, "httpVersion": "HTTP/1.1", "headers": []any{}, "queryString": []any{}, "cookies": []any{}, "headersSize": -1, "bodySize": -1},
			"response":        map[string]any{"status": e.status, "statusText": "", "httpVersion": "HTTP/1.1", "headers": []any{}, "cookies": []any{}, "content": content, "redirectURL": "", "headersSize": -1, "bodySize": -1},
			"cache":           map[string]any{},
			"timings":         map[string]any{"send": 0, "wait": 12, "receive": 0},
		})
	}
	b, err := json.Marshal(map[string]any{"log": map[string]any{"version": "1.2", "creator": map[string]any{"name": "test", "version": "1"}, "entries": list}})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "capture.har")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// goodEntries are answers of every kind the spec describes, and traffic a
// browser records besides, none of it drifting.
func goodEntries(t *testing.T) []harEntry {
	const api = "https://api.tosspayments.com"
	return []harEntry{
		{"GET", "https://shop.example/static/app.js", "text/javascript", 200, []byte("console.log(1)"), false},
		{"POST", api + "/v1/payments", "application/json", 200, mustJSON(t, specExample(t, openapi.OpCreatePayment, 200)), false},
		{"POST", api + "/v1/payments/confirm", "application/json", 200, mustJSON(t, specExample(t, openapi.OpConfirmPayment, 200)), true},
		{"POST", api + "/v1/payments/tviva2024/cancel", "application/json", 200, mustJSON(t, specExample(t, openapi.OpCancelPayment, 200)), false},
		{"GET", api + "/v1/payments/orders/order-1?x=1", "application/json", 404, []byte(`{"code":"NOT_FOUND_PAYMENT","message":"존재하지 않는 결제 정보 입니다."}`), false},
		{"OPTIONS", api + "/v1/payments/confirm", "", 204, nil, false},
	}
}

func TestValidateCleanHAR(t *testing.T) {
	t.Parallel()
	path := writeHAR(t, goodEntries(t))
	code, out, errs := runCmd(t, nil, "validate", path)
	if code != exitOK {
		t.Fatalf("exit %d on a clean HAR\n%s\n%s", code, out, errs)
	}
	if !strings.Contains(out, "4 answers checked, 0 with drift, 0 distinct drifts") {
		t.Errorf("output:\n%s", out)
	}
	if !strings.Contains(errs, "2 entries skipped") {
		t.Errorf("the skipped entries are not counted:\n%s", errs)
	}
}

// TestValidateDriftingHAR: one drifting answer (base64-encoded) among good
// ones exits 1 and is named by its entry, with its drifts' pointers, and no
// value of the answer but the unknown enum value.
func TestValidateDriftingHAR(t *testing.T) {
	t.Parallel()
	bad := specExample(t, openapi.OpConfirmPayment, 200)
	bad["status"] = "ON_HOLD"
	bad["customerName"] = "김토스"
	bad["totalAmount"] = "15000"
	entries := goodEntries(t)
	entries = append(entries[:3], append([]harEntry{{"POST", "https://api.tosspayments.com/v1/payments/confirm", "application/json", 200, mustJSON(t, bad), true}}, entries[3:]...)...)
	path := writeHAR(t, entries)
	code, out, errs := runCmd(t, nil, "validate", path)
	if code != exitDrift {
		t.Fatalf("exit %d, want %d\n%s\n%s", code, exitDrift, out, errs)
	}
	for _, want := range []string{
		path + ": entries[3]: confirmPayment 200 /status: unknown-enum \"ON_HOLD\"",
		path + ": entries[3]: confirmPayment 200 /customerName: unknown-property",
		path + ": entries[3]: confirmPayment 200 /totalAmount: type-mismatch (want number, got string)",
		"5 answers checked, 1 with drift, 3 distinct drifts",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	for _, leak := range []string{"김토스", "15000", "tviva2024", "order-1"} {
		if strings.Contains(out+errs, leak) {
			t.Errorf("output carries %q:\n%s%s", leak, out, errs)
		}
	}
}

func TestValidateJSONLAndSingleBodies(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := mustJSON(t, specExample(t, openapi.OpConfirmPayment, 200))
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	jsonl := write("answers.jsonl", []byte(`{"operation":"confirmPayment","status":200,"body":`+string(good)+`}

{"operation":"getPayment","status":404,"body":{"code":"NOT_FOUND_PAYMENT","message":"없음"}}
{"operation":"getPayment","status":502,"body":"<html>Bad Gateway</html>"}
`))
	named := write("confirmPayment.200.recorded.json", good)
	plain := write("answer.json", []byte(`{"code":"NEW_CODE","message":"?"}`))

	code, out, errs := runCmd(t, nil, "validate", jsonl, named)
	if code != exitDrift || !strings.Contains(out, jsonl+":4: getPayment 502 (body): undocumented-status") || !strings.Contains(out, "4 answers checked, 1 with drift") {
		t.Errorf("jsonl: exit %d\n%s\n%s", code, out, errs)
	}
	code, out, errs = runCmd(t, nil, "validate", named)
	if code != exitOK {
		t.Errorf("a clean named body: exit %d\n%s\n%s", code, out, errs)
	}
	code, out, errs = runCmd(t, nil, "validate", "--operation", "cancelPayment", "--status", "403", plain)
	if code != exitDrift || !strings.Contains(out, plain+": cancelPayment 403 /code: undocumented-code \"NEW_CODE\"") {
		t.Errorf("--operation: exit %d\n%s\n%s", code, out, errs)
	}

	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no file", []string{"validate"}, "no FILE"},
		{"a body without operation", []string{"validate", plain}, "no --operation"},
		{"an unknown operation", []string{"validate", "--operation", "refund", "--status", "200", plain}, "not an operation"},
		{"operation without status", []string{"validate", "--operation", "getPayment", plain}, "together"},
		{"a missing file", []string{"validate", filepath.Join(dir, "nope.har")}, "nope.har"},
		{"a bad JSONL line", []string{"validate", write("bad.jsonl", []byte(`{"operation":"getPayment"}`))}, "bad.jsonl:1"},
		{"a JSONL operation the spec lacks", []string{"validate", write("op.jsonl", []byte(`{"operation":"refund","status":200,"body":{}}`))}, "not an operation"},
		{"a HAR without Toss answers", []string{"validate", writeHAR(t, goodEntries(t)[:1])}, "no answer"},
		{"bad base64", []string{"validate", write("b64.har", []byte(`{"log":{"entries":[{"request":{"method":"GET","url":"https://api.tosspayments.com/v1/payments/k"},"response":{"status":200,"content":{"text":"%%%","encoding":"base64"}}}]}}`))}, "base64"},
	} {
		code, out, errs := runCmd(t, nil, tc.args...)
		if code != exitUsage || !strings.Contains(errs, tc.want) {
			t.Errorf("%s: exit %d, stderr lacks %q\n%s\n%s", tc.name, code, tc.want, out, errs)
		}
	}
}
