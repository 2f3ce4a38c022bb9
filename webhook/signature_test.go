package webhook

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tosspayments-go/tosspayments-go/openapi"
)

func payoutBody(eventID string) []byte {
	return []byte(fmt.Sprintf(`{"eventType":"payout.changed","version":"2022-11-16","eventId":%q,"entityType":"payout","entityBody":{"payoutKey":"po_1","status":"COMPLETED","amount":50000},"createdAt":"2026-12-07T21:00:00+09:00"}`, eventID))
}

// TestSignatures: a signed payout event reaches the function only with a
// v1: value that matches under one of the receiver's keys and a
// transmission time within the tolerance; the check comes before the body
// is read, so a body that would not even parse is refused for its
// signature.
func TestSignatures(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	sentAt := now.Add(-30 * time.Second).In(time.FixedZone("KST", 9*3600)).Format(time.RFC3339)
	oldKey, newKey, otherKey := []byte("payout-security-key-old"), []byte("payout-security-key-new"), []byte("not-the-shops-key")
	body := payoutBody("ev-1")
	tests := []struct {
		name   string
		keys   [][]byte // the receiver's
		sig    string
		sentAt string
		body   []byte
		status int
		reason string
	}{
		{"valid", [][]byte{newKey}, Sign(body, sentAt, newKey), sentAt, body, 200, ""},
		{"two values during a rotation, the second matches", [][]byte{newKey}, Sign(body, sentAt, oldKey, newKey), sentAt, body, 200, ""},
		{"two values, the first matches", [][]byte{oldKey}, Sign(body, sentAt, oldKey, newKey), sentAt, body, 200, ""},
		{"receiver holds two keys", [][]byte{oldKey, newKey}, Sign(body, sentAt, newKey), sentAt, body, 200, ""},
		{"spaces and an unknown scheme around the value", [][]byte{newKey}, "v0:abc, " + Sign(body, sentAt, newKey) + " ", sentAt, body, 200, ""},
		{"wrong key", [][]byte{newKey}, Sign(body, sentAt, otherKey), sentAt, body, 401, "no v1 value matches"},
		{"tampered payload", [][]byte{newKey}, Sign(body, sentAt, newKey), sentAt, bytes.Replace(body, []byte("50000"), []byte("90000"), 1), 401, "no v1 value matches"},
		{"tampered time", [][]byte{newKey}, Sign(body, sentAt, newKey), now.Add(-10 * time.Second).Format(time.RFC3339), body, 401, "no v1 value matches"},
		{"stale time", [][]byte{newKey}, Sign(body, now.Add(-6*time.Minute).Format(time.RFC3339), newKey), now.Add(-6 * time.Minute).Format(time.RFC3339), body, 401, "outside the tolerance"},
		{"time from the future", [][]byte{newKey}, Sign(body, now.Add(6*time.Minute).Format(time.RFC3339), newKey), now.Add(6 * time.Minute).Format(time.RFC3339), body, 401, "outside the tolerance"},
		{"no transmission time", [][]byte{newKey}, Sign(body, "", newKey), "", body, 401, "no transmission time"},
		{"not base64", [][]byte{newKey}, "v1:!!!", sentAt, body, 401, "no v1 value matches"},
		{"no v1 value", [][]byte{newKey}, "v2:" + strings.TrimPrefix(Sign(body, sentAt, newKey), "v1:"), sentAt, body, 401, "no v1 value matches"},
		{"missing on a payout event", [][]byte{newKey}, "", sentAt, body, 401, "signature missing"},
		{"checked before the body is read", [][]byte{newKey}, Sign(body, sentAt, otherKey), sentAt, []byte("not json"), 401, "signature refused"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var rec recorder
			var logs logBuffer
			r := mustNew(t, rec.handle, WithSecurityKeys(tc.keys...), withClock(func() time.Time { return now }), WithLogger(logs.logger()))
			req := httptest.NewRequest(http.MethodPost, "/hook", bytes.NewReader(tc.body))
			req.Header.Set(openapi.HeaderWebhookTransmissionID, "whtrans_po")
			if tc.sentAt != "" {
				req.Header.Set(openapi.HeaderWebhookTransmissionTime, tc.sentAt)
			}
			if tc.sig != "" {
				req.Header.Set(openapi.HeaderWebhookSignature, tc.sig)
			}
			w := httptest.NewRecorder()
			r.ServeHTTP(w, req)
			wantStatus(t, w, tc.status)
			if !strings.Contains(logs.String(), tc.reason) {
				t.Errorf("log %q lacks %q", logs.String(), tc.reason)
			}
			if tc.status != 200 {
				if rec.count() != 0 {
					t.Error("the function was called")
				}
				return
			}
			if rec.count() != 1 {
				t.Fatalf("the function ran %d times", rec.count())
			}
			ev := rec.events[0]
			if ev.Type != PayoutChanged || ev.Payout == nil || ev.Payout.EventID != "ev-1" || ev.Payment != nil || ev.Status() != "" {
				t.Errorf("event %+v", ev)
			}
			for _, k := range tc.keys {
				if strings.Contains(logs.String(), string(k)) {
					t.Error("a key reached the log")
				}
			}
		})
	}
}

// A signed event is de-duplicated on its eventId: Toss's retry and a
// replay under a new transmission id reach the function once; a new event
// reaches it.
func TestSignedEventReplays(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	key := []byte("payout-security-key")
	var rec recorder
	r := mustNew(t, rec.handle, WithSecurityKeys(key), withClock(func() time.Time { return now }))
	post := func(tid string, body []byte, sentAt time.Time) int {
		ts := sentAt.Format(time.RFC3339)
		req := httptest.NewRequest(http.MethodPost, "/hook", bytes.NewReader(body))
		req.Header.Set(openapi.HeaderWebhookTransmissionID, tid)
		req.Header.Set(openapi.HeaderWebhookTransmissionTime, ts)
		req.Header.Set(openapi.HeaderWebhookSignature, Sign(body, ts, key))
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		return w.Code
	}
	for i, c := range []int{
		post("whtrans_1", payoutBody("ev-1"), now),
		post("whtrans_1", payoutBody("ev-1"), now.Add(time.Second)),
		post("whtrans_other", payoutBody("ev-1"), now),
		post("whtrans_2", payoutBody("ev-2"), now),
	} {
		if c != http.StatusOK {
			t.Errorf("delivery %d: %d", i, c)
		}
	}
	if rec.count() != 2 {
		t.Fatalf("the function ran %d times, want 2 (two events)", rec.count())
	}
}
