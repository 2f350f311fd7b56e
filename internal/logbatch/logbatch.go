// Package logbatch writes the server's log lines in batches: every request
// logs one line, and one write system call per line was a sixth of an
// authenticated read's own CPU (docs/performance.md, "Authenticated reads
// near a bare handler"). Lines are held at most Delay, or until 64 KiB are
// waiting; a record at Warn or above is written at once with everything
// before it (Urgent), and Flush writes the rest at shutdown. What a kill -9
// loses is at most Delay of Info lines; the security log is in the
// database, never here.
package logbatch

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"time"
)

// Delay is how long a line may wait for others before it is written.
const Delay = 50 * time.Millisecond

// maxHeld is how many bytes may wait; a line that would pass it writes
// what waits first.
const maxHeld = 64 << 10

// Writer holds whole writes (slog writes one line per call) and passes
// them on to w together. It is safe for concurrent use.
type Writer struct {
	mu    sync.Mutex
	w     io.Writer
	held  []byte
	timer *time.Timer
	armed bool
	delay time.Duration
}

// New returns a Writer in front of w that holds lines at most delay.
func New(w io.Writer, delay time.Duration) *Writer {
	b := &Writer{w: w, delay: delay}
	b.timer = time.AfterFunc(time.Hour, func() { b.Flush() })
	b.timer.Stop()
	return b
}

// Write holds p (copied) and always succeeds; a failure of the underlying
// writer is not the logging caller's to handle (slog ignores it too).
func (b *Writer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.held)+len(p) > maxHeld {
		b.flushLocked()
	}
	b.held = append(b.held, p...)
	if !b.armed {
		b.armed = true
		b.timer.Reset(b.delay)
	}
	return len(p), nil
}

// Flush writes what is held.
func (b *Writer) Flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.flushLocked()
}

func (b *Writer) flushLocked() error {
	if b.armed {
		b.timer.Stop()
		b.armed = false
	}
	if len(b.held) == 0 {
		return nil
	}
	_, err := b.w.Write(b.held)
	if cap(b.held) > 4*maxHeld {
		b.held = nil
	} else {
		b.held = b.held[:0]
	}
	return err
}

// Urgent wraps a handler writing to w so that a record at Warn or above
// is written at once, with the lines held before it.
func Urgent(h slog.Handler, w *Writer) slog.Handler { return urgent{h, w} }

type urgent struct {
	slog.Handler
	w *Writer
}

func (u urgent) Handle(ctx context.Context, r slog.Record) error {
	err := u.Handler.Handle(ctx, r)
	if r.Level >= slog.LevelWarn {
		if ferr := u.w.Flush(); err == nil {
			err = ferr
		}
	}
	return err
}

func (u urgent) WithAttrs(as []slog.Attr) slog.Handler { return urgent{u.Handler.WithAttrs(as), u.w} }
func (u urgent) WithGroup(name string) slog.Handler    { return urgent{u.Handler.WithGroup(name), u.w} }
