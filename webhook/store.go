package webhook

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// ErrDuplicate is what Store.Claim returns for an event that was already
// processed: the receiver answers 200 without calling the user's function.
var ErrDuplicate = errors.New("webhook: event already processed")

// Store records which events were processed, so that an event delivered
// more than once (Toss retries, several replicas behind a load balancer)
// is handed to the user's function once.
//
// Claim reserves the event for the caller. While one caller holds the
// claim, a concurrent Claim of the same key waits until it is committed
// (then returns ErrDuplicate) or released (then claims it). Commit records
// the event as processed; Release forgets the claim so that the next
// delivery processes the event. Exactly one of Commit and Release is called
// on each Claim.
type Store interface {
	Claim(ctx context.Context, key string) (Claim, error)
}

// Claim is a reservation of one event, from Store.Claim.
type Claim interface {
	Commit() error
	Release() error
}

// TxClaim is a Claim held inside a database transaction: the user's function
// reads it with Tx(ctx) and writes its own changes in the same transaction,
// which the receiver commits only when the function returns nil.
type TxClaim interface {
	Claim
	Tx() *sql.Tx
}

type claimKey struct{}

// Tx returns the database transaction in which the event being handled is
// claimed, when the receiver's store is an SQLStore; nil otherwise. Make the
// order update in it: the receiver commits it together with the record of
// the event, so a crash between the two neither loses nor doubles the event.
func Tx(ctx context.Context) *sql.Tx {
	if c, ok := ctx.Value(claimKey{}).(TxClaim); ok {
		return c.Tx()
	}
	return nil
}

// DefaultMemoryStoreSize is how many processed event keys a MemoryStore
// made by NewMemoryStore remembers.
const DefaultMemoryStoreSize = 100_000

// MemoryStore is a Store in this process's memory: enough for a single
// instance, lost on restart, and blind to the other replicas of a service.
// It remembers the most recent processed keys up to its size (Toss stops
// retrying an event after the last of openapi.WebhookRetryIntervals).
type MemoryStore struct {
	mu       sync.Mutex
	size     int
	done     map[string]struct{}
	order    []string // processed keys, oldest first, for eviction
	inFlight map[string]chan struct{}
	waiting  int // claims waiting for an in-flight one, for tests
}

// NewMemoryStore returns a MemoryStore of DefaultMemoryStoreSize keys.
func NewMemoryStore() *MemoryStore { return NewMemoryStoreSize(DefaultMemoryStoreSize) }

// NewMemoryStoreSize returns a MemoryStore that remembers up to size
// processed keys (at least 1).
func NewMemoryStoreSize(size int) *MemoryStore {
	return &MemoryStore{size: max(size, 1), done: map[string]struct{}{}, inFlight: map[string]chan struct{}{}}
}

// Claim implements Store.
func (s *MemoryStore) Claim(ctx context.Context, key string) (Claim, error) {
	for {
		s.mu.Lock()
		if _, ok := s.done[key]; ok {
			s.mu.Unlock()
			return nil, ErrDuplicate
		}
		wait, busy := s.inFlight[key]
		if !busy {
			s.inFlight[key] = make(chan struct{})
			s.mu.Unlock()
			return &memClaim{s: s, key: key}, nil
		}
		s.waiting++
		s.mu.Unlock()
		var err error
		select {
		case <-wait:
		case <-ctx.Done():
			err = ctx.Err()
		}
		s.mu.Lock()
		s.waiting--
		s.mu.Unlock()
		if err != nil {
			return nil, err
		}
	}
}

// Len reports how many processed keys the store remembers.
func (s *MemoryStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.done)
}

type memClaim struct {
	s    *MemoryStore
	key  string
	once sync.Once
}

func (c *memClaim) Commit() error {
	c.finish(true)
	return nil
}

func (c *memClaim) Release() error {
	c.finish(false)
	return nil
}

func (c *memClaim) finish(processed bool) {
	c.once.Do(func() {
		s := c.s
		s.mu.Lock()
		defer s.mu.Unlock()
		if processed {
			s.done[c.key] = struct{}{}
			s.order = append(s.order, c.key)
			for len(s.order) > s.size {
				delete(s.done, s.order[0])
				s.order = s.order[1:]
			}
		}
		close(s.inFlight[c.key])
		delete(s.inFlight, c.key)
	})
}
