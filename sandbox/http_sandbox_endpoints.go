package sandbox

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tosspayments-go/tosspayments-go/generated"
	"github.com/tosspayments-go/tosspayments-go/sandbox/webhooks"
)

// The sandbox's own endpoints, outside the API's /v1: what Toss's developer
// center does for a test merchant (simulate a deposit, register the webhook
// URL, read the delivery history). Each authenticates with the secret key
// as the API does and answers Toss-shaped JSON errors.
const (
	sandboxAPIPrefix  = "/sandbox/v1/"
	depositPattern    = sandboxAPIPrefix + "virtual-accounts/{paymentKey}/deposit"
	maxSandboxAPIBody = 16 << 10
)

// The paths of the sandbox's own endpoints, for their clients ("tosspay
// listen", the demo).
const (
	// WebhookEndpointPath: GET, PUT {"url": ...} and DELETE the key's
	// webhook URL.
	WebhookEndpointPath = sandboxAPIPrefix + "webhook-endpoint"
	// WebhookDeliveriesPath: GET the key's webhook deliveries.
	WebhookDeliveriesPath = sandboxAPIPrefix + "webhook-deliveries"
	// WebhookListenPath: GET the next attempt for a listener
	// (ListenWebhookURL); WebhookListenReportPath reports its answer.
	WebhookListenPath = sandboxAPIPrefix + "webhook-listen"
)

// DepositPath is the path of POST …/deposit, the customer's deposit into
// the virtual account of paymentKey.
func DepositPath(paymentKey string) string {
	return sandboxAPIPrefix + "virtual-accounts/" + url.PathEscape(paymentKey) + "/deposit"
}

// WebhookListenReportPath is the path of POST …/webhook-listen/{id}, the
// report of the app's answer to the attempt id.
func WebhookListenReportPath(id string) string { return WebhookListenPath + "/" + url.PathEscape(id) }

func (s *Sandbox) sandboxAPI(mux *http.ServeMux) {
	mux.HandleFunc(depositPattern, s.authed([]string{http.MethodPost}, s.depositHandler))
	mux.HandleFunc(WebhookEndpointPath, s.authed([]string{http.MethodGet, http.MethodPut, http.MethodDelete}, s.webhookEndpointHandler))
	mux.HandleFunc(WebhookDeliveriesPath, s.authed([]string{http.MethodGet}, s.webhookDeliveriesHandler))
	mux.HandleFunc(WebhookListenPath, s.authed([]string{http.MethodGet}, s.webhookListenHandler))
	mux.HandleFunc(WebhookListenPath+"/{id}", s.authed([]string{http.MethodPost}, s.webhookListenReportHandler))
	s.controls(mux) // http_sandbox_controls.go
	mux.HandleFunc(sandboxAPIPrefix, s.noEndpoint)
}

// authed checks the method, then the secret key, then calls h with it.
func (s *Sandbox) authed(methods []string, h func(http.ResponseWriter, *http.Request, callerInfo)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		allowed := false
		for _, m := range methods {
			allowed = allowed || r.Method == m
		}
		if !allowed {
			w.Header().Set("Allow", strings.Join(methods, ", "))
			s.writeError(w, http.StatusMethodNotAllowed, generated.ErrorCodeInvalidRequest, langOf(r),
				"Method "+r.Method+" is not allowed on "+r.URL.Path+" (allowed: "+strings.Join(methods, ", ")+").")
			return
		}
		ci, code, detail := s.authenticate(r)
		if code != "" {
			status := http.StatusUnauthorized
			if code == generated.ErrorCodeIncorrectBasicAuthFormat {
				status = http.StatusForbidden
			}
			s.writeError(w, status, code, langOf(r), detail)
			return
		}
		if limited, detail := s.limited(w, ci); limited {
			s.writeError(w, http.StatusTooManyRequests, generated.ErrorCodeTooManyRequests, langOf(r), detail)
			return
		}
		if v := r.Header.Get(WebhookFaultHeader); v != "" {
			wf, err := ParseWebhookFault(v)
			if err != nil {
				s.writeError(w, http.StatusBadRequest, generated.ErrorCodeInvalidRequest, langOf(r), err.Error())
				return
			}
			ci.webhookFault = wf
		}
		h(w, r, ci)
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// depositHandler: POST /sandbox/v1/virtual-accounts/{paymentKey}/deposit
// pays the exact amount into the account (Store.Deposit) and answers the
// Payment, DONE.
func (s *Sandbox) depositHandler(w http.ResponseWriter, r *http.Request, ci callerInfo) {
	c := Caller{SecretKey: ci.secretKey, BaseURL: ci.baseURL, Language: langOf(r), WebhookFault: ci.webhookFault}
	p, err := s.Deposit(c, r.PathValue("paymentKey"))
	if err != nil {
		writeJSONError(w, asError(err))
		return
	}
	writeJSON(w, p)
}

// WebhookEndpoint is the body of PUT /sandbox/v1/webhook-endpoint and the
// answer of its GET, PUT and DELETE: where the key's webhooks go (null:
// nowhere) and whether that is the sandbox's default.
type WebhookEndpoint struct {
	URL     *string `json:"url"`
	Default bool    `json:"default,omitempty"`
}

func (s *Sandbox) endpointOf(key string) WebhookEndpoint {
	u := s.WebhookURL(key)
	if u == "" {
		return WebhookEndpoint{}
	}
	return WebhookEndpoint{URL: &u, Default: !s.wh.OwnURL(key)}
}

// webhookEndpointHandler: GET reads, PUT {"url": "https://..."} registers,
// DELETE removes the key's webhook URL.
func (s *Sandbox) webhookEndpointHandler(w http.ResponseWriter, r *http.Request, ci callerInfo) {
	lang := langOf(r)
	switch r.Method {
	case http.MethodPut:
		body, err := io.ReadAll(io.LimitReader(r.Body, maxSandboxAPIBody+1))
		if err != nil || len(body) > maxSandboxAPIBody {
			s.writeError(w, http.StatusBadRequest, generated.ErrorCodeInvalidRequest, lang, "body: unreadable or over 16 KiB.")
			return
		}
		var in struct {
			URL *string `json:"url"`
		}
		if err := json.Unmarshal(body, &in); err != nil || in.URL == nil {
			s.writeError(w, http.StatusBadRequest, generated.ErrorCodeInvalidRequest, lang, `body: want {"url": "https://..."} (rule: required).`)
			return
		}
		if *in.URL == "" {
			s.writeError(w, http.StatusBadRequest, generated.ErrorCodeInvalidRequest, lang, "url: empty; DELETE removes the URL.")
			return
		}
		if err := s.SetWebhookURL(ci.secretKey, *in.URL); err != nil {
			s.writeError(w, http.StatusBadRequest, generated.ErrorCodeInvalidRequest, lang, err.Error()+".")
			return
		}
	case http.MethodDelete:
		_ = s.SetWebhookURL(ci.secretKey, "")
	}
	writeJSON(w, s.endpointOf(ci.secretKey))
}

// webhookDeliveriesHandler: GET /sandbox/v1/webhook-deliveries[?paymentKey=K]
// answers {"deliveries": [...]}, oldest first.
func (s *Sandbox) webhookDeliveriesHandler(w http.ResponseWriter, r *http.Request, ci callerInfo) {
	ds := s.WebhookDeliveries(ci.secretKey, r.URL.Query().Get("paymentKey"))
	if ds == nil {
		ds = []WebhookDelivery{}
	}
	writeJSON(w, struct {
		Deliveries []WebhookDelivery `json:"deliveries"`
	}{ds})
}

const (
	// listenWaitDefault and listenWaitMax bound how long GET
	// /sandbox/v1/webhook-listen waits for an attempt (?wait=seconds).
	listenWaitDefault = 25 * time.Second
	listenWaitMax     = 60 * time.Second
)

// webhookListenHandler: GET /sandbox/v1/webhook-listen[?wait=seconds]
// answers the next attempt of the key's webhooks (200 ListenedAttempt) or,
// when none comes within the wait, 204.
func (s *Sandbox) webhookListenHandler(w http.ResponseWriter, r *http.Request, ci callerInfo) {
	wait := listenWaitDefault
	if v := r.URL.Query().Get("wait"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || time.Duration(n)*time.Second > listenWaitMax {
			s.writeError(w, http.StatusBadRequest, generated.ErrorCodeInvalidRequest, langOf(r),
				"wait: want whole seconds from 0 to "+strconv.Itoa(int(listenWaitMax/time.Second))+".")
			return
		}
		wait = time.Duration(n) * time.Second
	}
	p, err := s.wh.Listen().Take(ci.secretKey, wait, r.Context().Done())
	if err != nil {
		w.Header().Set("Retry-After", "1")
		s.writeError(w, http.StatusTooManyRequests, generated.ErrorCodeTooManyRequests, langOf(r),
			strconv.Itoa(webhooks.MaxListenWaits)+" listeners are waiting on this sandbox already; try again.")
		return
	}
	if p == nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	writeJSON(w, p)
}

// webhookListenReportHandler: POST /sandbox/v1/webhook-listen/{id} with a
// ListenedAnswer records the app's answer to the attempt (204), or 404
// NOT_FOUND when no attempt of the key's by that id is waiting for one.
func (s *Sandbox) webhookListenReportHandler(w http.ResponseWriter, r *http.Request, ci callerInfo) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxSandboxAPIBody+1))
	var ans ListenedAnswer
	if err != nil || len(body) > maxSandboxAPIBody || json.Unmarshal(body, &ans) != nil || ans.Status < 0 || ans.Status > 999 {
		s.writeError(w, http.StatusBadRequest, generated.ErrorCodeInvalidRequest, langOf(r), `body: want {"status": 200, "answer": "..."} (at most 16 KiB).`)
		return
	}
	if !s.wh.Listen().Report(ci.secretKey, r.PathValue("id"), ans) {
		s.writeError(w, http.StatusNotFound, generated.ErrorCodeNotFound, langOf(r), "No attempt of this key by that id is waiting for its answer (it timed out, was reported, or is another key's).")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
