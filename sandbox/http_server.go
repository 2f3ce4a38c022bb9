package sandbox

import (
	"context"
	"io"
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
	// DefaultBodyGrace and DefaultMinBodyRate: a request body must arrive
	// at DefaultMinBodyRate bytes a second after its first
	// DefaultBodyGrace, or the connection is cut (a 1 KiB body has 5 s, a
	// 1 MiB one 69 s, within the read timeout); at the connection cap, a
	// connection sending its body slower than that is closed first.
	DefaultBodyGrace   = 5 * time.Second
	DefaultMinBodyRate = 16 << 10
)

// Server is the http.Server of NewServer, with a cap on the connections it
// holds open at once (MaxConns). At the cap, a new connection is taken by
// closing the connection idle the longest (a keep-alive connection between
// requests, or one that has sent nothing for 250 ms); only when every
// connection is busy with a request does it wait for one to end. So a flood
// of idle connections never keeps a new client out, and file descriptors
// stay bounded.
//
// A request body must keep up a minimum rate (MinBodyRate bytes a second
// after BodyGrace): a sender that trickles its body is cut off, and at the
// cap the slowest such sender is closed to take a new connection, so slow
// senders never starve the others.
type Server struct {
	*http.Server
	// MaxConns is the cap on open connections (DefaultMaxConnections);
	// set it before Serve.
	MaxConns int
	// BodyGrace and MinBodyRate are the body's minimum rate
	// (DefaultBodyGrace, DefaultMinBodyRate); set them before Serve.
	BodyGrace   time.Duration
	MinBodyRate int64

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
	s := &Server{
		Server: &http.Server{
			Addr:              addr,
			ReadHeaderTimeout: serverReadHeaderTimeout,
			ReadTimeout:       serverReadTimeout,
			WriteTimeout:      serverWriteTimeout,
			IdleTimeout:       serverIdleTimeout,
			MaxHeaderBytes:    serverMaxHeaderBytes,
			ConnContext: func(ctx context.Context, c net.Conn) context.Context {
				if lc, ok := c.(*limitConn); ok {
					return context.WithValue(ctx, connKey{}, lc)
				}
				return ctx
			},
		},
		MaxConns:    DefaultMaxConnections,
		BodyGrace:   DefaultBodyGrace,
		MinBodyRate: DefaultMinBodyRate,
	}
	s.Handler = s.guardBodies(h)
	return s
}

type connKey struct{}

// guardBodies holds every request body to the minimum rate: the
// connection's read deadline follows what has arrived.
func (s *Server) guardBodies(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody && s.MinBodyRate > 0 {
			g := &slowBody{rc: r.Body, ctl: http.NewResponseController(w), start: time.Now(),
				grace: s.BodyGrace, rate: s.MinBodyRate, limit: s.ReadTimeout}
			g.lc, _ = r.Context().Value(connKey{}).(*limitConn)
			g.progress(false)
			r.Body = g
		}
		h.ServeHTTP(w, r)
	})
}

// slowBody is a request body held to a minimum rate.
type slowBody struct {
	rc    io.ReadCloser
	ctl   *http.ResponseController
	lc    *limitConn // nil when the server is not NewServer's listener
	start time.Time
	grace time.Duration
	rate  int64         // bytes a second
	n     int64         // bytes read
	limit time.Duration // the server's read timeout, which no deadline passes
	done  bool
}

func (g *slowBody) Read(p []byte) (int, error) {
	n, err := g.rc.Read(p)
	g.n += int64(n)
	switch {
	case err == io.EOF:
		g.progress(true)
	case err == nil:
		g.progress(false)
	}
	// On another error (the deadline passed) the deadline stays: the
	// server's discard of the rest of the body fails at once too.
	return n, err
}

func (g *slowBody) Close() error { return g.rc.Close() }

// progress moves the read deadline with what has arrived, and tells the
// connection cap; at the body's end (ended) the deadline is lifted.
func (g *slowBody) progress(ended bool) {
	if g.done {
		return
	}
	if ended {
		g.done = true
		_ = g.ctl.SetReadDeadline(time.Time{})
		if g.lc != nil {
			g.lc.body(false, g.start, g.n)
		}
		return
	}
	d := g.start.Add(g.grace + time.Duration(float64(g.n)/float64(g.rate)*float64(time.Second)))
	if end := g.start.Add(g.limit); g.limit > 0 && end.Before(d) {
		d = end
	}
	_ = g.ctl.SetReadDeadline(d)
	if g.lc != nil {
		g.lc.body(true, g.start, g.n)
	}
}

func (s *Server) init() {
	s.once.Do(func() {
		s.limit = &connLimit{max: max(1, s.MaxConns), minRate: s.MinBodyRate, conns: map[*limitConn]struct{}{}}
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
	max     int
	minRate int64 // bytes a second: a body slower than this may be closed
	mu      sync.Mutex
	cond    *sync.Cond // signalled when a connection closes or goes idle
	conns   map[*limitConn]struct{}
}

type limitConn struct {
	net.Conn
	limit *connLimit
	// Guarded by limit.mu.
	state  http.ConnState
	since  time.Time
	closed bool
	// reading says a request body is arriving, since bodyStart, bodyRead
	// bytes so far.
	reading   bool
	bodyStart time.Time
	bodyRead  int64
}

// body records the progress of the connection's request body.
func (c *limitConn) body(reading bool, start time.Time, n int64) {
	l := c.limit
	l.mu.Lock()
	c.reading, c.bodyStart, c.bodyRead = reading, start, n
	l.mu.Unlock()
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
	c.reading = false // a new request, or none: its body is yet to come
	if st == http.StateIdle {
		l.cond.Broadcast()
	}
	l.mu.Unlock()
}

// victim returns the connection to close to make room, or nil: the one
// idle the longest, else the one whose body arrives the slowest below
// minRate, else the new one silent (or still sending its headers) the
// longest; the caller holds l.mu.
func (l *connLimit) victim(now time.Time) *limitConn {
	var best *limitConn
	var bestRank int
	var bestScore float64 // lower goes first
	for c := range l.conns {
		var r int
		var score float64
		switch {
		case c.state == http.StateIdle:
			r, score = 3, float64(c.since.UnixNano())
		case c.state == http.StateActive && c.reading && now.Sub(c.bodyStart) >= newConnGrace:
			rate := float64(c.bodyRead) / now.Sub(c.bodyStart).Seconds()
			if rate >= float64(l.minRate) {
				continue
			}
			r, score = 2, rate
		case c.state == http.StateNew && now.Sub(c.since) >= newConnGrace:
			// Silent, or still sending its headers: net/http makes a
			// connection active once a request's headers are in.
			r, score = 1, float64(c.since.UnixNano())
		default:
			continue
		}
		if best == nil || r > bestRank || (r == bestRank && score < bestScore) {
			best, bestRank, bestScore = c, r, score
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
