package webhook

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
)

// DefaultTable is the table an SQLStore keeps processed events in.
const DefaultTable = "tosspayments_webhook_events"

// SQLStore is a Store in a PostgreSQL database reached through database/sql
// (any PostgreSQL driver: pgx's stdlib, lib/pq). Every replica of a service
// shares it, so an event is processed once however many replicas receive
// it.
//
// It follows the inbox pattern: Claim opens a transaction and inserts the
// event's key into the table; the user's function makes its own changes in
// that transaction (Tx(ctx)); the receiver commits when the function
// returns nil and rolls back otherwise. The key's primary key makes a
// concurrent claim of the same event wait for the first transaction, then
// find the key (the event was processed) or not (it was rolled back: this
// delivery processes it). A crash before the commit rolls everything back,
// and Toss's next delivery processes the event.
type SQLStore struct {
	db    *sql.DB
	table string
	opts  *sql.TxOptions
}

// SQLOption configures an SQLStore.
type SQLOption func(*SQLStore) error

var tableName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,62}(\.[A-Za-z_][A-Za-z0-9_]{0,62})?$`)

// WithTable sets the table (optionally schema-qualified, "shop.webhook_events")
// the store uses instead of DefaultTable.
func WithTable(name string) SQLOption {
	return func(s *SQLStore) error {
		if !tableName.MatchString(name) {
			return fmt.Errorf("webhook: table name %q is not a plain SQL identifier", name)
		}
		s.table = name
		return nil
	}
}

// WithTxOptions sets the options of the transactions Claim begins (the
// default is the database's default isolation, READ COMMITTED on
// PostgreSQL, which is what the claim needs).
func WithTxOptions(opts sql.TxOptions) SQLOption {
	return func(s *SQLStore) error {
		o := opts
		s.opts = &o
		return nil
	}
}

// NewSQLStore returns a store over db. Create its table with CreateTable or
// with the statement from Schema.
func NewSQLStore(db *sql.DB, opts ...SQLOption) (*SQLStore, error) {
	if db == nil {
		return nil, errors.New("webhook: NewSQLStore needs a *sql.DB")
	}
	s := &SQLStore{db: db, table: DefaultTable}
	for _, o := range opts {
		if err := o(s); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Table returns the table the store uses.
func (s *SQLStore) Table() string { return s.table }

// Schema returns the CREATE TABLE statement of the store's table, for a
// migration tool.
func (s *SQLStore) Schema() string {
	return `CREATE TABLE IF NOT EXISTS ` + s.table + ` (
	event_key    text PRIMARY KEY,
	processed_at timestamptz NOT NULL DEFAULT now()
)`
}

// CreateTable creates the store's table if it does not exist.
func (s *SQLStore) CreateTable(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, s.Schema()); err != nil {
		return fmt.Errorf("webhook: create %s: %w", s.table, err)
	}
	return nil
}

// ClaimTx claims the event key inside tx, a transaction the caller owns:
// claimed is true when this transaction recorded the key, false when a
// committed transaction already had (the event was processed). If another
// transaction holds the key uncommitted, ClaimTx waits for it to finish.
// The claim lasts only if the caller commits tx; a rollback, or a crash,
// releases it.
func (s *SQLStore) ClaimTx(ctx context.Context, tx *sql.Tx, key string) (claimed bool, err error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO `+s.table+` (event_key) VALUES ($1) ON CONFLICT (event_key) DO NOTHING`, key)
	if err != nil {
		return false, fmt.Errorf("webhook: claim in %s: %w", s.table, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("webhook: claim in %s: %w", s.table, err)
	}
	return n == 1, nil
}

// Claim implements Store: it begins a transaction and claims key in it. The
// returned Claim is a TxClaim.
func (s *SQLStore) Claim(ctx context.Context, key string) (Claim, error) {
	tx, err := s.db.BeginTx(ctx, s.opts)
	if err != nil {
		return nil, fmt.Errorf("webhook: begin: %w", err)
	}
	claimed, err := s.ClaimTx(ctx, tx, key)
	if err != nil {
		_ = tx.Rollback()
		return nil, err
	}
	if !claimed {
		_ = tx.Rollback()
		return nil, ErrDuplicate
	}
	return sqlClaim{tx: tx}, nil
}

type sqlClaim struct{ tx *sql.Tx }

func (c sqlClaim) Tx() *sql.Tx { return c.tx }

func (c sqlClaim) Commit() error {
	if err := c.tx.Commit(); err != nil {
		return fmt.Errorf("webhook: commit: %w", err)
	}
	return nil
}

func (c sqlClaim) Release() error {
	if err := c.tx.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
		return fmt.Errorf("webhook: rollback: %w", err)
	}
	return nil
}
