package sandbox

import "net/http"

// SetWebhookURLUnchecked registers u for secretKey without the check of
// WebhookTargetsPublic at registration, as a name that resolves to a
// private address passes it: what remains is the check where the
// connection is made.
func (s *Sandbox) SetWebhookURLUnchecked(secretKey, u string) { s.wh.SetURL(secretKey, u) }

// IdleConns returns how many of the server's connections are idle, so that
// a test can wait for a connection to go idle before opening the next.
func (s *Server) IdleConns() int {
	s.init()
	s.limit.mu.Lock()
	defer s.limit.mu.Unlock()
	n := 0
	for c := range s.limit.conns {
		if c.state == http.StateIdle {
			n++
		}
	}
	return n
}
