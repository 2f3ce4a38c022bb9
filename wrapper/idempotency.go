package wrapper

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	"github.com/tosspayments-go/tosspayments-go/generated"
)

// newUUIDv4 returns a random (version 4) UUID from crypto/rand.
func newUUIDv4() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (it crashes the program instead).
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// DeriveIdempotencyKey returns a stable Idempotency-Key for one logical
// request from the operation's name and the fields that identify it exactly:
// the same inputs give the same key in any process, so a retry after a crash
// or a redeploy replays the first answer ("Outcome unknown"). The fields:
// confirm, ConfirmIdempotencyKey; cancel, CancelIdempotencyKey (with the
// cancel's sequence number, or a second partial cancel of the same amount
// would replay the first and refund nothing); billing charge,
// ChargeIdempotencyKey; create and key-in, orderId and amount. Never pass
// card or personal data (a hash of a card number can be brute-forced).
//
// The key is the operation (letters, digits, '-' and '_', at most 32), a '-',
// and the unpadded base64url SHA-256 of the operation and the fields, each
// length-prefixed so that ("ab", "c") and ("a", "bc") differ: at most 76
// characters, well under the API's 300.
func DeriveIdempotencyKey(operation string, fields ...string) string {
	h := sha256.New()
	var n [binary.MaxVarintLen64]byte
	write := func(s string) {
		h.Write(n[:binary.PutUvarint(n[:], uint64(len(s)))])
		h.Write([]byte(s))
	}
	write("tosspayments-go idempotency v1")
	write(operation)
	for _, f := range fields {
		write(f)
	}
	prefix := strings.Map(func(r rune) rune {
		if r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			return r
		}
		return -1
	}, operation)
	if len(prefix) > 32 {
		prefix = prefix[:32]
	}
	if prefix == "" {
		prefix = "op"
	}
	return prefix + "-" + base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

// ConfirmIdempotencyKey derives the key of a confirm from its paymentKey,
// orderId and amount (1000 and 1000.0 give the same key).
func ConfirmIdempotencyKey(req generated.ConfirmPaymentRequest) string {
	return DeriveIdempotencyKey("confirm", req.PaymentKey, req.OrderID, req.Amount.Canonical().String())
}

// CancelIdempotencyKey derives the key of the sequence-th cancel (1, 2, ...)
// of the payment paymentKey from the cancel amount ("full" when
// CancelAmount is nil). Number a payment's cancels and persist the number
// with the cancel before sending it.
func CancelIdempotencyKey(paymentKey string, sequence int, req generated.CancelPaymentRequest) string {
	amount := "full"
	if req.CancelAmount != nil {
		amount = req.CancelAmount.Canonical().String()
	}
	return DeriveIdempotencyKey("cancel", paymentKey, strconv.Itoa(sequence), amount)
}
