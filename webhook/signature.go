package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"time"
)

// DefaultSignatureTolerance is how far a signed delivery's transmission
// time may be from the receiver's clock (either way) unless
// WithSignatureTolerance says otherwise. A signature proves who sent a body,
// not when: the tolerance bounds how long a captured delivery can be
// replayed. Toss's retries are new attempts with their own transmission time.
const DefaultSignatureTolerance = 5 * time.Minute

// maxSignatureValues bounds how many v1: values of one header are tried.
const maxSignatureValues = 8

// Sign returns the value of the signature header
// (openapi.HeaderWebhookSignature) Toss sends with a signed event: "v1:" and
// the base64 HMAC-SHA256 of "{body}:{transmissionTime}" under the security
// key, one value per key, comma-separated (two keys while a key is rotated).
// The sandbox and tests sign with it.
func Sign(body []byte, transmissionTime string, keys ...[]byte) string {
	vals := make([]string, 0, len(keys))
	for _, k := range keys {
		vals = append(vals, "v1:"+base64.StdEncoding.EncodeToString(mac(k, body, transmissionTime)))
	}
	return strings.Join(vals, ",")
}

func mac(key, body []byte, transmissionTime string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(body)
	m.Write([]byte{':'})
	m.Write([]byte(transmissionTime))
	return m.Sum(nil)
}

var (
	errNoSignature    = errors.New("no signature")
	errBadSignature   = errors.New("no v1 value matches")
	errNoTime         = errors.New("no transmission time")
	errStaleSignature = errors.New("transmission time outside the tolerance")
)

// verifySignature checks header (comma-separated v1:<base64> values, other
// schemes ignored) against body and the transmission time under any of the
// keys, in constant time per comparison, and the transmission time against
// now within tolerance.
func verifySignature(header, transmissionTime string, body []byte, keys [][]byte, now time.Time, tolerance time.Duration) error {
	if strings.TrimSpace(header) == "" {
		return errNoSignature
	}
	if transmissionTime == "" {
		return errNoTime
	}
	sent, err := time.Parse(time.RFC3339Nano, transmissionTime)
	if err != nil {
		return errNoTime
	}
	if d := now.Sub(sent); d > tolerance || d < -tolerance {
		return errStaleSignature
	}
	want := make([][]byte, len(keys))
	for i, k := range keys {
		want[i] = mac(k, body, transmissionTime)
	}
	matched := false
	// SplitN: a header of a megabyte of commas costs the values tried, not
	// a slice of all of them.
	for i, v := range strings.SplitN(header, ",", maxSignatureValues+1) {
		if i == maxSignatureValues {
			break
		}
		raw, ok := strings.CutPrefix(strings.TrimSpace(v), "v1:")
		if !ok {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(raw)
		if err != nil {
			continue
		}
		for _, w := range want {
			if hmac.Equal(got, w) {
				matched = true // keep going: the time spent does not say which value matched
			}
		}
	}
	if !matched {
		return errBadSignature
	}
	return nil
}
