package sandbox

import (
	"net/http"
	"time"
)

// maxFaultDelay is the longest delay fault a request may ask for.
const maxFaultDelay = time.Minute

// Limits of the server NewServer returns.
const (
	serverReadHeaderTimeout = 5 * time.Second
	serverReadTimeout       = 30 * time.Second
	// The write timeout leaves room for the longest delay fault.
	serverWriteTimeout   = maxFaultDelay + 30*time.Second
	serverIdleTimeout    = 120 * time.Second
	serverMaxHeaderBytes = 64 << 10
)

// NewServer returns the *http.Server that serves h (a Sandbox's Handler) on
// addr with limits against slow or abusive clients: 5 s to read the
// headers, 30 s to read a request, 90 s to write a response (room for the
// longest delay fault, one minute), 120 s for an idle keep-alive
// connection, and 64 KiB of headers. The body cap is the handler's
// (WithMaxBodyBytes). "tosspay sandbox" serves with it.
func NewServer(addr string, h http.Handler) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: serverReadHeaderTimeout,
		ReadTimeout:       serverReadTimeout,
		WriteTimeout:      serverWriteTimeout,
		IdleTimeout:       serverIdleTimeout,
		MaxHeaderBytes:    serverMaxHeaderBytes,
	}
}
