package sandbox

import (
	"net"
	"net/http"
	"sync"
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
	serverIdleTimeout    = 10 * time.Second
	serverMaxHeaderBytes = 64 << 10
	// DefaultMaxConnections is how many connections the server of NewServer
	// holds open at once.
	DefaultMaxConnections = 1024
	// newConnGrace is how long a connection that has sent nothing yet is
	// safe from being closed to make room.
	newConnGrace = 250 * time.Millisecond
)

// Server is the http.Server of NewServer, with a cap on the connections it
// holds open at once (MaxConns). At the cap, a new connection is taken by
// closing the connection idle the longest (a keep-alive connection between
// requests, or one that has sent nothing for 250 ms); only when every
// connection is busy with a request does it wait for one to end. So a flood
// of idle connections never keeps a new client out, and file descriptors
// stay bounded.
type Server struct {
	*http.Server
	// MaxConns is the cap on open connections (DefaultMaxConnections);
	// set it before Serve.
	MaxConns int

	once  sync.Once
	limit *connLimit
}

// NewServer returns the server that serves h (a Sandbox's Handler) on addr
// with limits against slow or abusive clients: 5 s to read the headers, 30 s
// to read a request, 90 s to write a response (room for the longest delay
// fault, one minute), 10 s for an idle keep-alive connection, 64 KiB of
// headers, and DefaultMaxConnections connections at once. The body cap is
// the handler's (WithMaxBodyBytes). "tosspay sandbox" serves with it.
func NewServer(addr string, h http.Handler) *Server {
	return &Server{
		Server: &http.Server{
			Addr:              addr,
			Handler:           h,
			ReadHeaderTimeout: serverReadHeaderTimeout,
			ReadTimeout:       serverReadTimeout,
			WriteTimeout:      serverWriteTimeout,
			IdleTimeout:       serverIdleTimeout,
			MaxHeaderBytes:    serverMaxHeaderBytes,
		},
		MaxConns: DefaultMaxConnections,
	}
}

func (s *Server) init() {
	s.once.Do(func() {
		s.limit = &connLimit{max: max(1, s.MaxConns), conns: map[*limitConn]struct{}{}}
		s.limit.cond = sync.NewCond(&s.limit.mu)
		prev := s.ConnState
		s.ConnState = func(c net.Conn, st http.ConnState) {
			if lc, ok := c.(*limitConn); ok {
				s.limit.setState(lc, st)
			}
			if prev != nil {
				prev(c, st)
			}
		}
	})
}

// Serve accepts connections on ln, within MaxConns, and serves them.
func (s *Server) Serve(ln net.Listener) error {
	s.init()
	return s.Server.Serve(&limitListener{Listener: ln, limit: s.limit})
}

// ListenAndServe listens on s.Addr and serves, within MaxConns.
func (s *Server) ListenAndServe() error {
	addr := s.Addr
	if addr == "" {
		addr = ":http"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return s.Serve(ln)
}

// Conns returns how many connections are open now.
func (s *Server) Conns() int {
	s.init()
	s.limit.mu.Lock()
	defer s.limit.mu.Unlock()
	return len(s.limit.conns)
}

// connLimit tracks the open connections and their states.
type connLimit struct {
	max   int
	mu    sync.Mutex
	cond  *sync.Cond // signalled when a connection closes or goes idle
	conns map[*limitConn]struct{}
}

type limitConn struct {
	net.Conn
	limit *connLimit
	// Guarded by limit.mu.
	state  http.ConnState
	since  time.Time
	closed bool
}

func (c *limitConn) Close() error {
	l := c.limit
	l.mu.Lock()
	if !c.closed {
		c.closed = true
		delete(l.conns, c)
		l.cond.Broadcast()
	}
	l.mu.Unlock()
	return c.Conn.Close()
}

func (l *connLimit) setState(c *limitConn, st http.ConnState) {
	l.mu.Lock()
	c.state, c.since = st, time.Now()
	if st == http.StateIdle {
		l.cond.Broadcast()
	}
	l.mu.Unlock()
}

// victim returns the connection idle the longest, or nil; the caller holds
// l.mu.
func (l *connLimit) victim(now time.Time) *limitConn {
	var best *limitConn
	rank := func(c *limitConn) int {
		switch {
		case c.state == http.StateIdle:
			return 2
		case c.state == http.StateNew && now.Sub(c.since) >= newConnGrace:
			return 1
		}
		return 0
	}
	for c := range l.conns {
		r := rank(c)
		if r == 0 {
			continue
		}
		if best == nil || r > rank(best) || (r == rank(best) && c.since.Before(best.since)) {
			best = c
		}
	}
	return best
}

type limitListener struct {
	net.Listener
	limit *connLimit
}

// Accept takes the next connection; at the cap it first closes the
// connection idle the longest, or waits until a connection ends or goes
// idle (a connection that has sent nothing becomes a victim after the
// grace; a timer wakes the wait for it).
func (ll *limitListener) Accept() (net.Conn, error) {
	c, err := ll.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l := ll.limit
	l.mu.Lock()
	for len(l.conns) >= l.max {
		if v := l.victim(time.Now()); v != nil {
			l.mu.Unlock()
			_ = v.Close()
			l.mu.Lock()
			continue
		}
		t := time.AfterFunc(newConnGrace, func() { l.mu.Lock(); l.cond.Broadcast(); l.mu.Unlock() })
		l.cond.Wait()
		t.Stop()
	}
	lc := &limitConn{Conn: c, limit: l, state: http.StateNew, since: time.Now()}
	l.conns[lc] = struct{}{}
	l.mu.Unlock()
	return lc, nil
}
