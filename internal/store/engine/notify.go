package engine

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// On PostgreSQL several replicas share the database, so a revocation
// committed by one must reach the principal caches of all. Each revoking
// transaction sends, inside itself, NOTIFY bobbin_revoke with what it
// revoked (PostgreSQL delivers it only if, and once, it commits); every
// replica LISTENs on a connection of its own and bumps the same
// generations a local commit would. While that connection is down — not
// yet made, dropped, or not answering its heartbeat — the replica's cache
// is stale: every lookup reads the database. Once it listens again it
// bumps the global generation (anything cached before may have been
// revoked meanwhile) and trusts its cache again.

const revokeChannel = "bobbin_revoke"

// ListenerName is the application_name of each replica's LISTEN
// connection, as pg_stat_activity shows it.
const ListenerName = "bobbin revocation listener"

// heartbeat bounds how long a silently dead listening connection can go
// unnoticed: with no notification for this long, the listener pings.
const heartbeat = time.Second

// payload is what a commit revoked: "g" (everything) or "s" and the
// generation words of the stripes, comma-separated. Record stripes are not
// in it: on PostgreSQL a trigger on the table notifies them from inside
// the writing statement, whoever wrote it (migrations/postgres/
// 0034_sets_notify.sql), as "t" and name:id pairs (RowStripe).
func (p pending) payload() string {
	all := append(p.stripes[:len(p.stripes):len(p.stripes)], p.remote...)
	if p.global || len(all) > 400 {
		return "g"
	}
	var b strings.Builder
	b.WriteByte('s')
	for i, s := range all {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatUint(s%gensStripes, 10))
	}
	return b.String()
}

// empty reports that there is nothing to notify (record stripes go by trigger).
func (p pending) empty() bool { return !p.global && len(p.stripes) == 0 && len(p.remote) == 0 }

// apply bumps what a notification names; anything unreadable bumps all.
func (g *Gens) apply(payload string) {
	if rest, ok := strings.CutPrefix(payload, "s"); ok && rest != "" {
		for _, f := range strings.Split(rest, ",") {
			n, err := strconv.ParseUint(f, 10, 64)
			if err != nil {
				g.Global().Add(1)
				return
			}
			g.Stripe(n).Add(1)
		}
		return
	}
	if rest, ok := strings.CutPrefix(payload, "t"); ok && rest != "" {
		for _, f := range strings.Split(rest, ",") {
			name, id, ok := strings.Cut(f, ":")
			n, err := strconv.ParseInt(id, 10, 64)
			if !ok || err != nil {
				g.Global().Add(1)
				return
			}
			g.Record(RowStripe(name, n)).Add(1)
		}
		return
	}
	g.Global().Add(1)
}

// listener keeps one LISTEN connection open and feeds the cache.
type listener struct {
	url    string
	g      *Gens
	log    *slog.Logger
	cancel context.CancelFunc
	done   chan struct{}
	ready  chan struct{} // closed the first time it listens
	once   sync.Once

	conns atomic.Int64 // connections made (tests: a reconnect happened)
	pid   atomic.Uint32
}

func startListener(url string, g *Gens, log *slog.Logger) *listener {
	ctx, cancel := context.WithCancel(context.Background())
	l := &listener{url: url, g: g, log: log, cancel: cancel, done: make(chan struct{}), ready: make(chan struct{})}
	g.stale.Store(true)
	go l.run(ctx)
	return l
}

func (l *listener) stop() {
	l.cancel()
	<-l.done
}

func (l *listener) run(ctx context.Context) {
	defer close(l.done)
	backoff := 50 * time.Millisecond
	for ctx.Err() == nil {
		err := l.listen(ctx)
		l.g.stale.Store(true)
		if ctx.Err() != nil {
			return
		}
		if err != nil && l.log != nil {
			l.log.Warn("revocation listener down: principal cache off until it is back", "err", err.Error())
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 2*time.Second)
	}
}

// listen connects, LISTENs and applies notifications until the
// connection fails or ctx ends.
func (l *listener) listen(ctx context.Context) error {
	cfg, err := pgx.ParseConfig(l.url)
	if err != nil {
		return err
	}
	// Named, so that an operator (or a test) finds it in pg_stat_activity
	// whatever it last ran (a heartbeat ping replaces the LISTEN there).
	cfg.RuntimeParams["application_name"] = ListenerName
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	conn, err := pgx.ConnectConfig(cctx, cfg)
	cancel()
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+revokeChannel); err != nil {
		return err
	}
	l.conns.Add(1)
	l.pid.Store(conn.PgConn().PID())
	// Anything cached while nobody listened may have been revoked.
	l.g.Global().Add(1)
	l.g.stale.Store(false)
	l.once.Do(func() { close(l.ready) })
	for {
		wctx, cancel := context.WithTimeout(ctx, heartbeat)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		if err == nil {
			l.g.apply(n.Payload)
			continue
		}
		if ctx.Err() != nil {
			return nil
		}
		if wctx.Err() == nil {
			return err // the connection failed
		}
		// No notification for a while: is the connection still alive?
		pctx, cancel := context.WithTimeout(ctx, heartbeat)
		err = conn.Ping(pctx)
		cancel()
		if err != nil {
			return err
		}
	}
}

// A transaction sends what its commit will revoke inside itself, in the
// COMMIT's batch (pgTx.commit).

// notifyNow tells the other replicas what a write outside a transaction
// (already committed) revoked. If PostgreSQL cannot take the notification,
// their listening connections are down too, and their caches stale.
func notifyNow(db *Pool, p pending) {
	if db.listen == nil || p.empty() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := db.w.ExecContext(ctx, "SELECT pg_notify($1, $2)", revokeChannel, p.payload()); err != nil && db.log != nil {
		db.log.Error("revocation notify failed", "err", err.Error())
	}
}

// Listening reports the revocation listener's connections made so far and
// the backend pid of the current one (0, 0 without a listener): a test
// drops the connection and watches it come back.
func (db *Pool) Listening() (conns int64, pid uint32) {
	if db.listen == nil {
		return 0, 0
	}
	return db.listen.conns.Load(), db.listen.pid.Load()
}
