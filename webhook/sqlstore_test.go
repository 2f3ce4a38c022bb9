package webhook

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"net/http"
	"os"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the PostgreSQL driver of these tests

	"github.com/tosspayments-go/tosspayments-go/generated"
)

// postgresDSNEnv names the variable that points the SQLStore tests at a
// PostgreSQL database (.ci/run starts one and sets it).
const postgresDSNEnv = "TOSS_TEST_POSTGRES_DSN"

// testDB opens the test database and returns it with a store over a table
// of its own (dropped at the end), plus an orders table standing for the
// shop's own data.
func testDB(t *testing.T) (*sql.DB, *SQLStore, string) {
	t.Helper()
	dsn := os.Getenv(postgresDSNEnv)
	if dsn == "" {
		t.Skipf("no PostgreSQL: set %s (for example postgres://user:pass@127.0.0.1:5432/db?sslmode=disable) to run the SQLStore tests; .ci/run does", postgresDSNEnv)
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	ctx := context.Background()
	if err := db.PingContext(ctx); err != nil {
		t.Fatalf("%s is set but the database does not answer: %v", postgresDSNEnv, err)
	}
	suffix := make([]byte, 6)
	_, _ = rand.Read(suffix)
	name := "webhook_test_" + hex.EncodeToString(suffix)
	store, err := NewSQLStore(db, WithTable(name))
	if err != nil {
		t.Fatal(err)
	}
	if err := store.CreateTable(ctx); err != nil {
		t.Fatal(err)
	}
	orders := name + "_orders"
	if _, err := db.ExecContext(ctx, `CREATE TABLE `+orders+` (order_id text PRIMARY KEY, status text NOT NULL, updates int NOT NULL DEFAULT 0)`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO `+orders+` (order_id, status) VALUES ('order_va', 'WAITING_FOR_DEPOSIT')`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = db.ExecContext(context.Background(), `DROP TABLE IF EXISTS `+name+`, `+orders)
	})
	return db, store, orders
}

// markPaid is the shop's function: it updates the order in the claim's
// transaction.
func markPaid(orders string) HandlerFunc {
	return func(ctx context.Context, ev *Event) error {
		tx := Tx(ctx)
		if tx == nil {
			return errors.New("no transaction in the context")
		}
		_, err := tx.ExecContext(ctx, `UPDATE `+orders+` SET status = $1, updates = updates + 1 WHERE order_id = $2`, string(ev.Status()), ev.OrderID())
		return err
	}
}

func orderState(t *testing.T, db *sql.DB, orders string) (status string, updates int) {
	t.Helper()
	if err := db.QueryRowContext(context.Background(), `SELECT status, updates FROM `+orders+` WHERE order_id = 'order_va'`).Scan(&status, &updates); err != nil {
		t.Fatal(err)
	}
	return status, updates
}

func recorded(t *testing.T, db *sql.DB, store *SQLStore) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(context.Background(), `SELECT count(*) FROM `+store.Table()).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// testStores are the stores the receiver's tables run on: memory always,
// PostgreSQL when TOSS_TEST_POSTGRES_DSN is set (its subtests skip, saying
// so, otherwise).
func testStores(t *testing.T) []struct {
	name  string
	store func(*testing.T) Store
} {
	return []struct {
		name  string
		store func(*testing.T) Store
	}{
		{"memory", func(*testing.T) Store { return NewMemoryStore() }},
		{"postgres", func(t *testing.T) Store { _, s, _ := testDB(t); return s }},
	}
}

// TestSQLStoreConcurrentDeliveries: 50 deliveries of one state at once, as
// replicas behind a load balancer would get them, under 50 transmission
// ids, record it once and update the order once. The first claim holds its
// transaction open until the 49 others are waiting on its row lock.
func TestSQLStoreConcurrentDeliveries(t *testing.T) {
	t.Parallel()
	db, store, orders := testDB(t)
	concurrentDuplicates(t, store, func(ctx context.Context) (int, error) {
		var waiting int
		err := db.QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO `+store.Table()+`%'`).Scan(&waiting)
		return waiting, err
	}, markPaid(orders))
	if got := recorded(t, db, store); got != 1 {
		t.Errorf("%d events recorded, want 1", got)
	}
	if status, updates := orderState(t, db, orders); status != "DONE" || updates != 1 {
		t.Errorf("order %s after %d updates, want DONE after 1", status, updates)
	}
}

// TestSQLStoreCrashBetweenClaimAndCommit: a process claims the event and
// updates the order in one transaction, then dies before committing (its
// connection is killed). PostgreSQL rolls both back; the next delivery
// processes the event, once.
func TestSQLStoreCrashBetweenClaimAndCommit(t *testing.T) {
	t.Parallel()
	db, store, orders := testDB(t)
	ctx := context.Background()
	toss := newFakeToss(t, paymentJSON("pk_va", "order_va", "DONE", strPtr(testSecret)))
	var truth *generated.Payment
	for _, p := range toss.payments {
		truth = p
	}
	key := stateKey(truth)

	// The process that crashes: its own connection, so killing it kills
	// nothing else.
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	claimed, err := store.ClaimTx(ctx, tx, key)
	if err != nil || !claimed {
		t.Fatalf("ClaimTx = %v, %v; want claimed", claimed, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE `+orders+` SET status = 'DONE', updates = updates + 1 WHERE order_id = 'order_va'`); err != nil {
		t.Fatal(err)
	}
	var pid int
	if err := tx.QueryRowContext(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
		t.Fatal(err)
	}
	// The crash.
	var killed bool
	if err := db.QueryRowContext(ctx, `SELECT pg_terminate_backend($1)`, pid).Scan(&killed); err != nil || !killed {
		t.Fatalf("pg_terminate_backend = %v, %v", killed, err)
	}
	if err := tx.Commit(); err == nil {
		t.Fatal("the killed transaction committed")
	}
	if got := recorded(t, db, store); got != 0 {
		t.Fatalf("%d events recorded after the crash, want 0", got)
	}
	if status, updates := orderState(t, db, orders); status != "WAITING_FOR_DEPOSIT" || updates != 0 {
		t.Fatalf("order %s after %d updates: the crashed update survived", status, updates)
	}

	// Toss's next delivery of the same event.
	r := mustNew(t, markPaid(orders), WithStore(store), WithPaymentGetter(toss))
	body := depositEvent("order_va", "DONE", testSecret)
	wantStatus(t, deliver(t, r, "whtrans_pg_crash", 1, body), http.StatusOK)
	wantStatus(t, deliver(t, r, "whtrans_pg_crash", 2, body), http.StatusOK) // a duplicate now
	if got := recorded(t, db, store); got != 1 {
		t.Errorf("%d events recorded, want 1", got)
	}
	if status, updates := orderState(t, db, orders); status != "DONE" || updates != 1 {
		t.Errorf("order %s after %d updates, want DONE after 1", status, updates)
	}
}

// TestSQLStoreHandlerErrorRollsBack: the function's own write and the claim
// share the transaction, so a failing function leaves neither behind.
func TestSQLStoreHandlerErrorRollsBack(t *testing.T) {
	t.Parallel()
	db, store, orders := testDB(t)
	fail := true
	r := mustNew(t, func(ctx context.Context, ev *Event) error {
		if err := markPaid(orders)(ctx, ev); err != nil {
			return err
		}
		if fail {
			fail = false
			return errBoom // after writing: the write must not survive
		}
		return nil
	}, WithStore(store), WithPaymentGetter(newFakeToss(t, paymentJSON("pk_va", "order_va", "DONE", strPtr(testSecret)))))
	body := depositEvent("order_va", "DONE", testSecret)
	wantStatus(t, deliver(t, r, "whtrans_pg_err", 0, body), http.StatusInternalServerError)
	if status, updates := orderState(t, db, orders); status != "WAITING_FOR_DEPOSIT" || updates != 0 || recorded(t, db, store) != 0 {
		t.Fatalf("after a failed function: order %s (%d updates), %d recorded", status, updates, recorded(t, db, store))
	}
	wantStatus(t, deliver(t, r, "whtrans_pg_err_new_id", 1, body), http.StatusOK)
	if status, updates := orderState(t, db, orders); status != "DONE" || updates != 1 || recorded(t, db, store) != 1 {
		t.Fatalf("after the retry: order %s (%d updates), %d recorded", status, updates, recorded(t, db, store))
	}
}

func TestSQLStoreClaimTx(t *testing.T) {
	t.Parallel()
	db, store, _ := testDB(t)
	ctx := context.Background()
	claim := func() bool {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback() //nolint:errcheck // committed below when claimed
		ok, err := store.ClaimTx(ctx, tx, "k1")
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
		}
		return ok
	}
	if !claim() {
		t.Fatal("first ClaimTx did not claim")
	}
	if claim() {
		t.Fatal("ClaimTx claimed a committed key again")
	}
	if _, err := store.Claim(ctx, "k1"); !errors.Is(err, ErrDuplicate) {
		t.Fatalf("Claim of a committed key: %v, want ErrDuplicate", err)
	}
	c, err := store.Claim(ctx, "k2")
	if err != nil {
		t.Fatal(err)
	}
	if tc, ok := c.(TxClaim); !ok || tc.Tx() == nil {
		t.Fatal("an SQLStore claim carries no transaction")
	}
	if err := c.Release(); err != nil {
		t.Fatal(err)
	}
	if err := c.Release(); err != nil {
		t.Fatalf("a second Release: %v", err)
	}
}

func TestWithTable(t *testing.T) {
	t.Parallel()
	db := &sql.DB{} // never used: options are checked before any query
	for _, bad := range []string{"", "1table", "t; DROP TABLE x", "a.b.c", `"quoted"`, strings.Repeat("a", 64)} {
		if _, err := NewSQLStore(db, WithTable(bad)); err == nil {
			t.Errorf("WithTable(%q) accepted", bad)
		}
	}
	for _, good := range []string{"events", "shop.webhook_events", "_x1"} {
		s, err := NewSQLStore(db, WithTable(good))
		if err != nil || s.Table() != good || !strings.Contains(s.Schema(), "CREATE TABLE IF NOT EXISTS "+good+" ") {
			t.Errorf("WithTable(%q): %v", good, err)
		}
	}
	if _, err := NewSQLStore(nil); err == nil {
		t.Error("NewSQLStore(nil) accepted")
	}
}
