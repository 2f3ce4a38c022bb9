package payments

// The values below are Toss's, as the OpenAPI document spells them; the
// package's tests hold each to the generated constant of the same value.

// Status is a payment's status.
type Status string

// The statuses of a payment.
const (
	// StatusNone is the status before a payment exists: the From of the
	// rows that create one.
	StatusNone              Status = ""
	StatusReady             Status = "READY"
	StatusInProgress        Status = "IN_PROGRESS"
	StatusWaitingForDeposit Status = "WAITING_FOR_DEPOSIT"
	StatusDone              Status = "DONE"
	StatusCanceled          Status = "CANCELED"
	StatusPartialCanceled   Status = "PARTIAL_CANCELED"
	StatusAborted           Status = "ABORTED"
	StatusExpired           Status = "EXPIRED"
)

// Method is how a payment is paid.
type Method string

// The methods the sandbox emulates. MethodAny, in a Transition, matches
// every method.
const (
	MethodAny            Method = ""
	MethodCard           Method = "CARD"
	MethodVirtualAccount Method = "VIRTUAL_ACCOUNT"
)

// RefundStatus is where the refund of a cancelled virtual-account payment
// stands.
type RefundStatus string

// The refund statuses.
const (
	RefundNone          RefundStatus = "NONE"
	RefundPending       RefundStatus = "PENDING"
	RefundCompleted     RefundStatus = "COMPLETED"
	RefundFailed        RefundStatus = "FAILED"
	RefundPartialFailed RefundStatus = "PARTIAL_FAILED"
)

// Webhook is the type of a webhook Toss sends about a payment.
type Webhook string

// The webhook types. A DEPOSIT_CALLBACK body carries no eventType: its name
// is Toss's docs' (docs/webhooks.md).
const (
	WebhookPaymentStatusChanged Webhook = "PAYMENT_STATUS_CHANGED"
	WebhookDepositCallback      Webhook = "DEPOSIT_CALLBACK"
	WebhookBillingDeleted       Webhook = "BILLING_DELETED"
)

// Code is a documented Toss error code a rule refuses with.
type Code string

// The error codes the rules refuse with.
const (
	CodeAlreadyCanceledPayment                Code = "ALREADY_CANCELED_PAYMENT"
	CodeAlreadyProcessedPayment               Code = "ALREADY_PROCESSED_PAYMENT"
	CodeBelowMinimumAmount                    Code = "BELOW_MINIMUM_AMOUNT"
	CodeCardProcessingError                   Code = "CARD_PROCESSING_ERROR"
	CodeDuplicatedOrderID                     Code = "DUPLICATED_ORDER_ID"
	CodeExceedCancelLimit                     Code = "EXCEED_CANCEL_LIMIT"
	CodeFdsError                              Code = "FDS_ERROR"
	CodeForbiddenBankRefundRequest            Code = "FORBIDDEN_BANK_REFUND_REQUEST"
	CodeInvalidBank                           Code = "INVALID_BANK"
	CodeInvalidCardExpiration                 Code = "INVALID_CARD_EXPIRATION"
	CodeInvalidCardLostOrStolen               Code = "INVALID_CARD_LOST_OR_STOLEN"
	CodeInvalidCardNumber                     Code = "INVALID_CARD_NUMBER"
	CodeInvalidFlowModeParameters             Code = "INVALID_FLOW_MODE_PARAMETERS"
	CodeInvalidRefundAccountInfo              Code = "INVALID_REFUND_ACCOUNT_INFO"
	CodeInvalidRefundAccountNumber            Code = "INVALID_REFUND_ACCOUNT_NUMBER"
	CodeInvalidRequest                        Code = "INVALID_REQUEST"
	CodeInvalidStoppedCard                    Code = "INVALID_STOPPED_CARD"
	CodeNotAllowedPartialRefundWaitingDeposit Code = "NOT_ALLOWED_PARTIAL_REFUND_WAITING_DEPOSIT"
	CodeNotCancelableAmount                   Code = "NOT_CANCELABLE_AMOUNT"
	CodeNotCancelablePayment                  Code = "NOT_CANCELABLE_PAYMENT"
	CodeNotFoundPayment                       Code = "NOT_FOUND_PAYMENT"
	CodeNotFoundPaymentSession                Code = "NOT_FOUND_PAYMENT_SESSION"
	CodeNotMatchesRefundableAmount            Code = "NOT_MATCHES_REFUNDABLE_AMOUNT"
	CodeNotSupportedMethod                    Code = "NOT_SUPPORTED_METHOD"
	CodeRejectCardCompany                     Code = "REJECT_CARD_COMPANY"
	CodeRejectCardPayment                     Code = "REJECT_CARD_PAYMENT"
)

// Op is the operation of the document a refusal is documented on: the
// sandbox answers with the status the document gives its code there.
type Op string

// The operations the rules refuse on.
const (
	OpCreatePayment  Op = "createPayment"
	OpConfirmPayment Op = "confirmPayment"
	OpCancelPayment  Op = "cancelPayment"
	OpKeyInPayment   Op = "keyInPayment"
	OpGetPayment     Op = "getPayment"
	OpGetByOrderID   Op = "getPaymentByOrderId"
)
