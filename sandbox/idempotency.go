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
	done    bool
	status  int
	header  http.Header
	body    []byte
	expires time.Time
}

// idemCache remembers the first response of each idempotency key for 15
// days. Its identity is secret key + method + path + key; the body is not
// part of it.
type idemCache struct {
	mu  sync.Mutex
	max int
	m   map[string]*idemEntry
}

func newIdemCache(max int) *idemCache {
	return &idemCache{max: max, m: map[string]*idemEntry{}}
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
		delete(c.m, id)
	}
	if len(c.m) >= c.max {
		for k, e := range c.m {
			if e.done && !now.Before(e.expires) {
				delete(c.m, k)
			}
		}
		if len(c.m) >= c.max {
			return idemFull, nil
		}
	}
	c.m[id] = &idemEntry{}
	return idemClaimed, nil
}

// finish stores the first response of id, replayed until now + ttl.
func (c *idemCache) finish(id string, status int, header http.Header, body []byte, now time.Time, ttl time.Duration) {
	c.mu.Lock()
	c.m[id] = &idemEntry{done: true, status: status, header: header, body: body, expires: now.Add(ttl)}
	c.mu.Unlock()
}

// release forgets a claim whose request produced no response.
func (c *idemCache) release(id string) {
	c.mu.Lock()
	if e, ok := c.m[id]; ok && !e.done {
		delete(c.m, id)
	}
	c.mu.Unlock()
}
