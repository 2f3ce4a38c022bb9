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
//
// Answers expire in the order they were stored, since the TTL is fixed and
// the clock moves forward, so they are queued in that order and expired ones
// are evicted from the front: each claim costs O(1) amortized, and a cache
// full of unexpired answers refuses after looking at the front alone.
type idemCache struct {
	mu       sync.Mutex
	max      int
	maxBytes int64
	bytes    int64
	inflight int // claimed and not yet answered
	m        map[string]*idemEntry
	// queue holds the answered entries in the order they were stored, from
	// queue[head] on. An item whose entry is no longer c.m[id] is stale
	// (only a clock set backwards makes one) and is dropped when reached.
	queue []idemItem
	head  int
}

type idemItem struct {
	id string
	e  *idemEntry
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
	c.evictExpired(now)
	if e, ok := c.m[id]; ok {
		switch {
		case !e.done:
			return idemInFlight, nil
		case now.Before(e.expires):
			return idemReplay, e
		}
		// Expired behind an unexpired front: only after the clock was set back.
		c.remove(id, e)
	}
	if len(c.m) >= c.max || c.bytes >= c.maxBytes {
		return idemFull, nil
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
	e := &idemEntry{size: size, done: true, status: status, header: header, body: body, expires: now.Add(ttl)}
	c.m[id] = e
	c.bytes += size
	c.queue = append(c.queue, idemItem{id: id, e: e})
	c.mu.Unlock()
}

// evictExpired forgets the expired answers at the front of the queue and
// stops at the first unexpired one; the caller holds c.mu. Every item is
// dropped once, so the cost is O(1) amortized per stored answer.
func (c *idemCache) evictExpired(now time.Time) {
	for c.head < len(c.queue) {
		it := c.queue[c.head]
		if cur, ok := c.m[it.id]; ok && cur == it.e {
			if now.Before(it.e.expires) {
				break
			}
			c.remove(it.id, it.e)
		}
		c.queue[c.head] = idemItem{}
		c.head++
	}
	switch {
	case c.head == len(c.queue):
		c.queue, c.head = c.queue[:0], 0
	case c.head >= 1024 && 2*c.head >= len(c.queue):
		// Reclaim the dropped front so the slice does not grow for ever.
		n := copy(c.queue, c.queue[c.head:])
		clear(c.queue[n:])
		c.queue, c.head = c.queue[:n], 0
	}
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
