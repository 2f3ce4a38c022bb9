package sandbox

import (
	"net/http"
	"sync"
	"time"
)

type idemState int

const (
	idemClaimed idemState = iota
	idemInFlight
	idemReplay
	idemFull
)

type idemEntry struct {
	size    int64 // bytes this entry holds: its id and its answer
	done    bool
	status  int
	header  http.Header
	body    []byte
	expires time.Time
}

// idemCache remembers the first response of each idempotency key for 15
// days. Its identity is secret key + method + path + key; the body is not
// part of it. It is bounded twice: by the number of live keys and by the
// bytes of the answers it holds (a cancel's answer grows with the payment's
// cancels, so a count alone does not bound memory).
type idemCache struct {
	mu       sync.Mutex
	max      int
	maxBytes int64
	bytes    int64
	inflight int // claimed and not yet answered
	m        map[string]*idemEntry
}

func newIdemCache(max int, maxBytes int64) *idemCache {
	return &idemCache{max: max, maxBytes: maxBytes, m: map[string]*idemEntry{}}
}

// remove forgets id; the caller holds c.mu.
func (c *idemCache) remove(id string, e *idemEntry) {
	c.bytes -= e.size
	delete(c.m, id)
}

func idemID(secretKey, method, path, key string) string {
	return secretKey + "\x00" + method + "\x00" + path + "\x00" + key
}

// claim reserves id for a request, or says why it cannot: a request with
// the same id is in flight, has an answer to replay, or the cache is full.
func (c *idemCache) claim(id string, now time.Time) (idemState, *idemEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[id]; ok {
		switch {
		case !e.done:
			return idemInFlight, nil
		case now.Before(e.expires):
			return idemReplay, e
		}
		c.remove(id, e)
	}
	if len(c.m) >= c.max || c.bytes >= c.maxBytes {
		for k, e := range c.m {
			if e.done && !now.Before(e.expires) {
				c.remove(k, e)
			}
		}
		if len(c.m) >= c.max || c.bytes >= c.maxBytes {
			return idemFull, nil
		}
	}
	e := &idemEntry{size: int64(len(id))}
	c.bytes += e.size
	c.m[id] = e
	c.inflight++
	return idemClaimed, nil
}

// finish stores the first response of id, replayed until now + ttl.
func (c *idemCache) finish(id string, status int, header http.Header, body []byte, now time.Time, ttl time.Duration) {
	size := int64(len(id) + len(body))
	for k, vs := range header {
		size += int64(len(k))
		for _, v := range vs {
			size += int64(len(v))
		}
	}
	c.mu.Lock()
	if old, ok := c.m[id]; ok {
		c.bytes -= old.size
		if !old.done {
			c.inflight--
		}
	}
	c.m[id] = &idemEntry{size: size, done: true, status: status, header: header, body: body, expires: now.Add(ttl)}
	c.bytes += size
	c.mu.Unlock()
}

// release forgets a claim whose request produced no response.
func (c *idemCache) release(id string) {
	c.mu.Lock()
	if e, ok := c.m[id]; ok && !e.done {
		c.remove(id, e)
		c.inflight--
	}
	c.mu.Unlock()
}

// inFlight counts the claimed ids not yet answered.
func (c *idemCache) inFlight() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.inflight
}
