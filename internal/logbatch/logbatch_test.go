package logbatch

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuf is the process's stderr: it records each write it receives.
type syncBuf struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	writes int
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes++
	return s.buf.Write(p)
}

func (s *syncBuf) get() (string, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String(), s.writes
}

// Info lines wait (here for an hour) and reach the output together, in
// order, on Flush; a Warn or Error record takes them with it at once.
func TestHeldUntilFlushOrUrgent(t *testing.T) {
	out := &syncBuf{}
	w := New(out, time.Hour)
	log := slog.New(Urgent(slog.NewJSONHandler(w, nil), w)).With("replica", 1)
	for i := range 100 {
		log.Info("request", "n", i)
	}
	if got, n := out.get(); n != 0 || got != "" {
		t.Fatalf("%d writes before a flush: %q", n, got)
	}
	log.Error("disk full")
	got, n := out.get()
	if n != 1 || strings.Count(got, "\n") != 101 || !strings.Contains(got, `"n":99`) || !strings.HasSuffix(got, `"msg":"disk full","replica":1}`+"\n") {
		t.Fatalf("after the error: %d writes, %q", n, got)
	}
	log.WithGroup("g").Info("last")
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if got, n := out.get(); n != 2 || !strings.HasSuffix(got, `"msg":"last","replica":1}`+"\n") {
		t.Fatalf("after Flush: %d writes, %q", n, got)
	}
	if err := w.Flush(); err != nil { // nothing held: no write
		t.Fatal(err)
	}
	if _, n := out.get(); n != 2 {
		t.Fatalf("an empty flush wrote: %d writes", n)
	}
}

// Without a flush, held lines are written by the timer.
func TestWrittenAfterDelay(t *testing.T) {
	out := &syncBuf{}
	w := New(out, time.Millisecond)
	fmt.Fprintln(w, "one")
	fmt.Fprintln(w, "two")
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		if got, _ := out.get(); got == "one\ntwo\n" {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("never written: %q", got)
		}
	}
	fmt.Fprintln(w, "three") // the timer is armed again
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		if got, _ := out.get(); got == "one\ntwo\nthree\n" {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("the second batch never written: %q", got)
		}
	}
}

// More than maxHeld waiting is written before the line that would pass it;
// lines written from many goroutines arrive whole.
func TestBoundedAndWhole(t *testing.T) {
	out := &syncBuf{}
	w := New(out, time.Hour)
	line := strings.Repeat("x", 999) + "\n"
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				w.Write([]byte(line))
			}
		})
	}
	wg.Wait()
	got, n := out.get()
	if n < 800*len(line)/maxHeld-1 || len(got)%len(line) != 0 {
		t.Fatalf("%d writes of %d bytes held at most %d", n, len(got), maxHeld)
	}
	w.Flush()
	got, _ = out.get()
	if got != strings.Repeat(line, 800) {
		t.Fatalf("lines lost or torn: %d bytes", len(got))
	}
}
