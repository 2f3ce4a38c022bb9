package wrapper

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/tosspayments-go/tosspayments-go/generated"
)

// TestAnswerLengthFromTransport: a transport that is not an
// *http.Transport may hand back a body with a ContentLength that does not
// fit it (a hand-built response leaves it 0; a middleware that rewrites the
// body may keep the old one). The body is read to its end all the same: a
// success stays a success and a decline keeps its code.
func TestAnswerLengthFromTransport(t *testing.T) {
	t.Parallel()
	decline := []byte(`{"code":"REJECT_CARD_COMPANY","message":"declined"}`)
	for name, length := range map[string]func(body []byte) int64{
		"unset": func([]byte) int64 { return 0 },
		"half":  func(b []byte) int64 { return int64(len(b) / 2) },
	} {
		for _, status := range []int{200, 403} {
			rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
				sent, _ := io.ReadAll(r.Body)
				body := decline
				if status == 200 {
					r.SetPathValue("paymentKey", "")
					body = answerTo(t, r, sent)
				}
				return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/json"}},
					Body: io.NopCloser(bytes.NewReader(body)), ContentLength: length(body), Request: r}, nil
			})
			c, err := New(testKey, WithBaseURL("http://sandbox.test"), WithHTTPClient(&http.Client{Transport: rt}), WithSleeper((&sleeper{}).sleep))
			if err != nil {
				t.Fatal(err)
			}
			p, _, err := c.ConfirmPayment(context.Background(), confirmReq())
			var ae *APIError
			switch {
			case status == 200 && (err != nil || p == nil || p.Status != generated.PaymentStatusDone):
				t.Errorf("200, length %s: p %v, err %v", name, p != nil, err)
			case status == 403 && (!errors.As(err, &ae) || ae.Code != generated.ErrorCodeRejectCardCompany || !IsDeclined(err)):
				t.Errorf("403, length %s: err %v (class %s)", name, err, ClassOf(err))
			}
		}
	}
}

// TestShortAnswerHoldsLittle: an answer that states 1 MiB and sends two
// bytes holds no more memory than a short body needs: the stated length is
// a hint the server can lie in.
func TestShortAnswerHoldsLittle(t *testing.T) {
	t.Parallel()
	resp := &http.Response{StatusCode: 200, ContentLength: maxBody, Body: io.NopCloser(strings.NewReader("{}"))}
	data, err := readAnswer(resp)
	if string(data) != "{}" || err != nil || cap(data) > maxBody/8 {
		t.Fatalf("read %q (cap %d), err %v", data, cap(data), err)
	}
}
