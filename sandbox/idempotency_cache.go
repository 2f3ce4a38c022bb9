package sandbox

import (
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
	tenant  *idemTenant
	size    int64 // bytes this entry holds: its id and its answer
	done    bool
	status  int
	header  []string // name, value, name, value… (flatHeader)
	body    []byte
	expires time.Time
	// paymentKey and orderID name the payment the answer was about, for
	// the call log of a replay.
	paymentKey, orderID string
}

// idemTenant is what one secret key holds in the cache.
type idemTenant struct {
	name     string
	keys     int // answered and in flight
	bytes    int64
	inflight int
	// queue holds the answered entries in the order they were stored, from
	// queue[head] on: oldest first, which is also the order they expire in
	// (the TTL is fixed). An item whose entry is no longer c.m[id] is stale
	// and is dropped when reached.
	queue []idemItem
	head  int
	// newer and older link the tenants from the most recently active
	// (idemCache.active) to the idlest, which pays the global excess.
	newer, older *idemTenant
}

// idemCache remembers the first response of each idempotency key for 15
// days. Its identity is secret key + method + path + key; the body is not
// part of it.
//
// It is bounded per secret key and as a whole, by the number of keys and by
// the bytes of the answers it holds (a cancel's answer grows with the
// payment's cancels, so a count alone does not bound memory). A secret key
// at its limit forgets its own oldest answered keys to make room; over the
// global limit, a heavy secret key (see heavy) forgets its own oldest, else
// the secret key idle the longest forgets its oldest (O(1)
// per key stored, amortized, whatever the number of secret keys). A key in
// flight is never forgotten: only a secret key with all its keys in flight
// at its limit is refused (idemFull), and no other key ever is by it.
type idemCache struct {
	mu      sync.Mutex
	tenant  Limits
	global  Limits
	keys    int
	bytes   int64
	m       map[string]*idemEntry
	tenants map[string]*idemTenant
	// active and idlest are the ends of the tenants' activity list.
	active, idlest *idemTenant
}

type idemItem struct {
	id string
	e  *idemEntry
}

func newIdemCache(tenant, global Limits) *idemCache {
	return &idemCache{tenant: tenant, global: global, m: map[string]*idemEntry{}, tenants: map[string]*idemTenant{}}
}

func idemID(secretKey, method, path, key string) string {
	return secretKey + "\x00" + method + "\x00" + path + "\x00" + key
}

// remove forgets id; the caller holds c.mu.
func (c *idemCache) remove(id string, e *idemEntry) {
	t := e.tenant
	t.keys--
	t.bytes -= e.size
	c.keys--
	c.bytes -= e.size
	if !e.done {
		t.inflight--
	}
	delete(c.m, id)
	if t.keys == 0 {
		c.unlink(t)
		delete(c.tenants, t.name)
	}
}

// touch files t as the most recently active, in the map and the list.
func (c *idemCache) touch(t *idemTenant) {
	c.tenants[t.name] = t
	if c.active == t {
		return
	}
	c.unlink(t)
	t.older = c.active
	if c.active != nil {
		c.active.newer = t
	}
	c.active = t
	if c.idlest == nil {
		c.idlest = t
	}
}

func (c *idemCache) unlink(t *idemTenant) {
	if t.newer != nil {
		t.newer.older = t.older
	} else if c.active == t {
		c.active = t.older
	}
	if t.older != nil {
		t.older.newer = t.newer
	} else if c.idlest == t {
		c.idlest = t.newer
	}
	t.newer, t.older = nil, nil
}

// drop forgets every answered key of secretKey (its tenant was dropped by
// the book); keys in flight stay until answered.
func (c *idemCache) drop(secretKey string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t := c.tenants[secretKey]; t != nil {
		for c.dropOldest(t) {
		}
	}
}

// dropOldest forgets the oldest answered entry of t (expired or not), and
// reports whether there was one. Stale items met on the way are dropped.
func (c *idemCache) dropOldest(t *idemTenant) bool {
	for t.head < len(t.queue) {
		it := t.queue[t.head]
		t.queue[t.head] = idemItem{}
		t.head++
		if cur, ok := c.m[it.id]; ok && cur == it.e {
			c.remove(it.id, it.e)
			c.compact(t)
			return true
		}
	}
	c.compact(t)
	return false
}

// evictExpired forgets the expired answers at the front of t's queue.
func (c *idemCache) evictExpired(t *idemTenant, now time.Time) {
	for t.head < len(t.queue) {
		it := t.queue[t.head]
		if cur, ok := c.m[it.id]; ok && cur == it.e {
			if now.Before(it.e.expires) {
				break
			}
			c.remove(it.id, it.e)
		}
		t.queue[t.head] = idemItem{}
		t.head++
	}
	c.compact(t)
}

// compact reclaims the dropped front of t's queue.
func (c *idemCache) compact(t *idemTenant) {
	switch {
	case t.head == len(t.queue):
		t.queue, t.head = t.queue[:0], 0
	case t.head >= 1024 && 2*t.head >= len(t.queue):
		n := copy(t.queue, t.queue[t.head:])
		clear(t.queue[n:])
		t.queue, t.head = t.queue[:n], 0
	}
}

// idlestBut returns the secret key idle the longest with an answered entry
// to forget (of it and the idleWindow-1 keys after it, the one holding the
// most), other than t unless t is the only one; nil when none.
func (c *idemCache) idlestBut(t *idemTenant) *idemTenant {
	for v := c.idlest; v != nil; v = v.newer {
		if v != t && v.keys > v.inflight {
			// Of the few idlest, the one holding the most pays, so keys
			// rotating through the bound do not drain a lighter key that
			// is only a little idler than all of them (as the book does).
			for w, i := v.newer, 1; w != nil && i < idleWindow; w, i = w.newer, i+1 {
				if w != t && w.keys-w.inflight > v.keys-v.inflight {
					v = w
				}
			}
			return v
		}
	}
	if t.keys > t.inflight {
		return t
	}
	return nil
}

// makeRoom forgets answered entries until t can take one more key of size
// more bytes, and reports whether it can. The caller holds c.mu.
func (c *idemCache) makeRoom(t *idemTenant, more int64) bool {
	for t.keys+1 > c.tenant.IdempotencyKeys || (t.bytes+more > c.tenant.IdempotencyBytes && t.bytes > 0) {
		if !c.dropOldest(t) {
			return false
		}
	}
	for c.keys+1 > c.global.IdempotencyKeys {
		h := c.payer(t, heavy(int64(t.keys), int64(c.global.IdempotencyKeys), len(c.tenants)))
		if h == nil || !c.dropOldest(h) {
			return false
		}
	}
	for c.bytes+more > c.global.IdempotencyBytes && c.bytes > 0 {
		h := c.payer(t, heavy(t.bytes, c.global.IdempotencyBytes, len(c.tenants)))
		if h == nil || !c.dropOldest(h) {
			return false
		}
	}
	return true
}

// idleWindow is how many of the idlest secret keys are weighed against
// each other to choose who forgets an answer past a global bound.
const idleWindow = 8

// payer returns the secret key that forgets an answer to make room over a
// global bound for t: t itself when it is heavy and has an answer to
// forget, so that a few keys holding the cache between them never take
// from a light one (a bystander's answer forgotten would turn the retry of
// its cancel into a second refund); else the idlest.
func (c *idemCache) payer(t *idemTenant, heavy bool) *idemTenant {
	if heavy && t.keys > t.inflight {
		return t
	}
	return c.idlestBut(t)
}

// heavy reports whether a tenant holding has of a global bound, among n
// tenants, pays its own way past it: it holds its fair share (bound / n)
// and at least 1/64 of the bound, the rule payments.Book applies too.
func heavy(has, bound int64, n int) bool {
	return has*int64(n) >= bound && has*64 >= bound
}

// claim reserves id for a request of secretKey, or says why it cannot: a
// request with the same id is in flight or has an answer to replay, or the
// secret key has every key it may hold in flight.
func (c *idemCache) claim(secretKey, id string, now time.Time) (idemState, *idemEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.tenants[secretKey]
	if t != nil {
		c.evictExpired(t, now)
	}
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
	t = c.tenants[secretKey] // evictions may have dropped it
	if t == nil {
		t = &idemTenant{name: secretKey}
	}
	c.touch(t)
	size := int64(len(id))
	if !c.makeRoom(t, size) {
		if t.keys == 0 {
			c.unlink(t)
			delete(c.tenants, secretKey)
		}
		return idemFull, nil
	}
	c.touch(t) // forgetting its last entry may have dropped it
	e := &idemEntry{tenant: t, size: size}
	c.m[id] = e
	t.keys++
	t.bytes += size
	t.inflight++
	c.keys++
	c.bytes += size
	return idemClaimed, nil
}

// finish stores the first response of id, replayed until now + ttl. The
// answer's bytes may take the secret key (or the cache) over its byte
// limit: its oldest answers, then the idlest key's, make room.
func (c *idemCache) finish(id string, status int, header []string, body []byte, paymentKey, orderID string, now time.Time, ttl time.Duration) {
	size := int64(len(id) + len(body) + len(paymentKey) + len(orderID))
	for _, kv := range header {
		size += int64(len(kv))
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	old, ok := c.m[id]
	if !ok || old.done {
		return
	}
	t := old.tenant
	c.remove(id, old)
	c.makeRoom(t, size)
	c.touch(t) // the removals may have dropped it
	e := &idemEntry{tenant: t, size: size, done: true, status: status, header: header, body: body, expires: now.Add(ttl),
		paymentKey: paymentKey, orderID: orderID}
	c.m[id] = e
	t.keys++
	t.bytes += size
	c.keys++
	c.bytes += size
	t.queue = append(t.queue, idemItem{id: id, e: e})
}

// release forgets a claim whose request produced no response.
func (c *idemCache) release(id string) {
	c.mu.Lock()
	if e, ok := c.m[id]; ok && !e.done {
		c.remove(id, e)
	}
	c.mu.Unlock()
}

// inFlight counts the claimed ids not yet answered.
func (c *idemCache) inFlight() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, t := range c.tenants {
		n += t.inflight
	}
	return n
}

// usage returns how many keys and bytes the cache holds.
func (c *idemCache) usage() (keys int, bytes int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.keys, c.bytes
}

// usageOf returns how many keys and bytes one secret key holds.
func (c *idemCache) usageOf(secretKey string) (keys int, bytes int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t := c.tenants[secretKey]; t != nil {
		return t.keys, t.bytes
	}
	return 0, 0
}
