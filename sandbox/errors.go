package sandbox

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/tosspayments-go/tosspayments-go/generated"
)

// Language is the language the sandbox answers in: Korean by default,
// English when the request says Accept-Language: en-US.
type Language int

const (
	// Korean is the API's default: method "카드", cardType "신용", Korean messages.
	Korean Language = iota
	// English answers with method "CARD", cardType "CREDIT" and English messages.
	English
)

// LanguageOf reads an Accept-Language header value as Toss does: any English
// tag ("en-US", "en") selects English, anything else Korean.
func LanguageOf(acceptLanguage string) Language {
	v := strings.ToLower(strings.TrimSpace(acceptLanguage))
	if strings.HasPrefix(v, "en") {
		return English
	}
	return Korean
}

// Error is a refusal by a sandbox rule: the HTTP status and the documented
// Toss error code it answers with, and a message in the caller's language.
type Error struct {
	// Status is the HTTP status the spec documents for Code on the operation.
	Status int
	// Code is the documented Toss error code.
	Code generated.ErrorCode
	// Message is the message in the caller's language, with the sandbox's
	// explanation appended where it helps.
	Message string
}

// Error returns "CODE (status): message".
func (e *Error) Error() string {
	return fmt.Sprintf("%s (%d): %s", e.Code, e.Status, e.Message)
}

func (e *Error) body() generated.Error {
	return generated.Error{Code: e.Code, Message: e.Message}
}

// messages holds the Korean and English message of the codes the sandbox
// answers with. The Korean texts are those of the real API where known.
var messages = map[generated.ErrorCode][2]string{
	generated.ErrorCodeAlreadyCanceledPayment:                {"이미 취소된 결제 입니다.", "The payment has already been canceled."},
	generated.ErrorCodeAlreadyProcessedPayment:               {"이미 처리된 결제 입니다.", "The payment has already been processed."},
	generated.ErrorCodeBelowMinimumAmount:                    {"최소 결제 금액보다 작습니다.", "The amount is below the minimum payment amount."},
	generated.ErrorCodeCardProcessingError:                   {"카드사에서 오류가 발생했습니다.", "The card company returned an error."},
	generated.ErrorCodeDuplicatedOrderID:                     {"이미 승인 및 취소가 진행된 중복된 주문번호 입니다. 다른 주문번호로 진행해주세요.", "The order ID has already been used. Use another order ID."},
	generated.ErrorCodeFailedInternalSystemProcessing:        {"내부 시스템 처리 작업이 실패했습니다. 잠시 후 다시 시도해주세요.", "An internal system error occurred. Please try again later."},
	generated.ErrorCodeFailedPaymentInternalSystemProcessing: {"결제가 완료되지 않았어요. 다시 시도해주세요.", "The payment was not completed. Please try again."},
	generated.ErrorCodeFdsError:                              {"[토스페이먼츠] 위험거래가 감지되어 결제가 제한됩니다.", "The payment was blocked by fraud detection."},
	generated.ErrorCodeForbiddenRequest:                      {"허용되지 않은 요청입니다.", "The request is not allowed."},
	generated.ErrorCodeIdempotentRequestProcessing:           {"이전 멱등 요청이 처리중 입니다.", "A previous request with the same idempotency key is still being processed."},
	generated.ErrorCodeIncorrectBasicAuthFormat:              {"잘못된 요청입니다. ':' 를 포함해 인코딩해주세요.", "Incorrect basic auth format: encode the key followed by ':'."},
	generated.ErrorCodeInvalidCardExpiration:                 {"카드 정보를 다시 확인해주세요. (유효기간)", "Check the card information. (expiration date)"},
	generated.ErrorCodeInvalidCardLostOrStolen:               {"분실 혹은 도난 카드입니다.", "The card has been reported lost or stolen."},
	generated.ErrorCodeInvalidCardNumber:                     {"카드번호를 다시 확인해주세요.", "Check the card number."},
	generated.ErrorCodeInvalidIdempotencyKey:                 {"멱등키는 300자 이하로 입력해주세요.", "The idempotency key must be at most 300 characters."},
	generated.ErrorCodeInvalidRequest:                        {"잘못된 요청입니다.", "The request is invalid."},
	generated.ErrorCodeInvalidFlowModeParameters:             {"인증 창을 먼저 띄우려면 카드사 코드 또는 은행 코드 또는 간편결제수단이 같이 전달되어야 합니다.", "If you want to open the payment authentication window first, the credit card company code, bank code, or easy payment method must be delivered together."},
	generated.ErrorCodeInvalidTestCode:                       {"유효하지 않은 테스트 코드입니다.", "Invalid test code"},
	generated.ErrorCodeInvalidStoppedCard:                    {"정지된 카드 입니다.", "The card has been suspended."},
	generated.ErrorCodeNotCancelableAmount:                   {"취소 할 수 없는 금액 입니다.", "The amount cannot be canceled."},
	generated.ErrorCodeNotCancelablePayment:                  {"취소 할 수 없는 결제 입니다.", "The payment cannot be canceled."},
	generated.ErrorCodeNotFoundPayment:                       {"존재하지 않는 결제 정보 입니다.", "The payment does not exist."},
	generated.ErrorCodeNotFoundPaymentSession:                {"결제 시간이 만료되어 결제 진행 데이터가 존재하지 않습니다.", "The payment session has expired and no longer exists."},
	generated.ErrorCodeNotMatchesRefundableAmount:            {"잔액 결과가 일치하지 않습니다.", "The refundable amount does not match the balance."},
	generated.ErrorCodeNotSupportedMethod:                    {"지원되지 않는 결제 수단입니다.", "The payment method is not supported."},
	generated.ErrorCodeRejectCardCompany:                     {"결제 승인이 거절되었습니다.", "The card company declined the payment."},
	generated.ErrorCodeRejectCardPayment:                     {"한도초과 혹은 잔액부족으로 결제에 실패했습니다.", "The payment failed: limit exceeded or insufficient balance."},
	generated.ErrorCodeTooManyRequests:                       {"비정상적인 요청량이 감지되었습니다.", "Abnormal request volume detected."},
	generated.ErrorCodeUnauthorizedKey:                       {"인증되지 않은 시크릿 키 혹은 클라이언트 키 입니다.", "The secret key or client key is not authorized."},
}

// message returns the message of code in lang, followed by detail when given.
func message(code generated.ErrorCode, lang Language, detail string) string {
	m, ok := messages[code]
	if !ok {
		m = [2]string{"요청을 처리하지 못했습니다. (" + string(code) + ")", "The request could not be processed. (" + string(code) + ")"}
	}
	msg := m[0]
	if lang == English {
		msg = m[1]
	}
	if detail != "" {
		msg += " " + detail
	}
	return msg
}

// asError turns a rule's error into an *Error (an unexpected one is a 500).
func asError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Status: http.StatusInternalServerError, Code: generated.ErrorCodeFailedInternalSystemProcessing, Message: err.Error()}
}
