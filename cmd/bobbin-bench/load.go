package main

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// A keep-alive HTTP/1.1 client per worker, writing prebuilt request bytes
// and reading the answer with a minimal parser. It costs far less CPU than
// net/http's client, which matters when load generator and servers share
// two cores: the less the generator burns, the less it disturbs the
// servers it measures.

// request is one prebuilt HTTP/1.1 request and the statuses that count as
// success.
type request struct {
	raw []byte
	ok  func(status int) bool
}

func statusIs(codes ...int) func(int) bool {
	return func(s int) bool { return slices.Contains(codes, s) }
}

// buildRequest renders a request. auth is the whole Authorization value
// ("" for none); body is sent as JSON when not nil.
func buildRequest(host, method, path, auth string, body []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: bobbin-bench\r\n", method, path, host)
	if auth != "" {
		fmt.Fprintf(&b, "Authorization: %s\r\n", auth)
	}
	if body != nil {
		fmt.Fprintf(&b, "Content-Type: application/json\r\nContent-Length: %d\r\n", len(body))
	}
	b.WriteString("\r\n")
	b.Write(body)
	return b.Bytes()
}

// tlsPrefix marks an address to reach over TLS ("tls://127.0.0.1:port"),
// with benchTLS (set by the --tls run: it trusts the generated certificate).
const tlsPrefix = "tls://"

var benchTLS *tls.Config

type client struct {
	addr string
	c    net.Conn
	r    *bufio.Reader
	body []byte
}

func (k *client) close() {
	if k.c != nil {
		k.c.Close()
		k.c = nil
	}
}

// do sends raw and reads the answer; the body is kept in k.body until the
// next call. A broken connection is reopened once.
func (k *client) do(raw []byte) (int, error) {
	for attempt := 0; ; attempt++ {
		if k.c == nil {
			var c net.Conn
			var err error
			if addr, ok := strings.CutPrefix(k.addr, tlsPrefix); ok {
				c, err = tls.Dial("tcp", addr, benchTLS)
			} else {
				c, err = net.Dial("tcp", k.addr)
			}
			if err != nil {
				return 0, err
			}
			k.c, k.r = c, bufio.NewReaderSize(c, 16<<10)
		}
		status, closeAfter, err := k.roundTrip(raw)
		if err == nil {
			if closeAfter {
				k.close()
			}
			return status, nil
		}
		k.close()
		if attempt > 0 {
			return 0, err
		}
	}
}

func (k *client) roundTrip(raw []byte) (status int, closeAfter bool, err error) {
	k.c.SetDeadline(time.Now().Add(60 * time.Second))
	if _, err := k.c.Write(raw); err != nil {
		return 0, false, err
	}
	line, err := k.r.ReadSlice('\n')
	if err != nil {
		return 0, false, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return 0, false, errors.New("bad status line")
	}
	status, err = strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, false, errors.New("bad status code")
	}
	length, chunked := -1, false
	for {
		h, err := k.r.ReadSlice('\n')
		if err != nil {
			return 0, false, err
		}
		h = bytes.TrimRight(h, "\r\n")
		if len(h) == 0 {
			break
		}
		name, value, ok := bytes.Cut(h, []byte(":"))
		if !ok {
			continue
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			length, err = strconv.Atoi(string(value))
			if err != nil {
				return 0, false, errors.New("bad Content-Length")
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(value, []byte("chunked"))
		case bytes.EqualFold(name, []byte("Connection")):
			closeAfter = bytes.EqualFold(value, []byte("close"))
		}
	}
	k.body = k.body[:0]
	switch {
	case status == 204 || status == 304:
	case chunked:
		for {
			l, err := k.r.ReadSlice('\n')
			if err != nil {
				return 0, false, err
			}
			n, err := strconv.ParseInt(string(bytes.TrimSpace(bytes.SplitN(l, []byte(";"), 2)[0])), 16, 64)
			if err != nil {
				return 0, false, errors.New("bad chunk size")
			}
			if n == 0 {
				if _, err := k.r.ReadSlice('\n'); err != nil {
					return 0, false, err
				}
				break
			}
			k.body = slices.Grow(k.body, int(n))
			start := len(k.body)
			k.body = k.body[:start+int(n)]
			if _, err := io.ReadFull(k.r, k.body[start:]); err != nil {
				return 0, false, err
			}
			if _, err := k.r.Discard(2); err != nil {
				return 0, false, err
			}
		}
	case length >= 0:
		k.body = slices.Grow(k.body, length)[:length]
		if _, err := io.ReadFull(k.r, k.body); err != nil {
			return 0, false, err
		}
	default:
		return 0, false, errors.New("answer without length")
	}
	return status, closeAfter, nil
}

// loadResult is what one timed run measured on the client side.
type loadResult struct {
	n, errors int
	elapsed   time.Duration
	lat       []time.Duration // sorted
	firstErr  string
}

func (r loadResult) rps() float64 { return float64(r.n) / r.elapsed.Seconds() }

func (r loadResult) pct(p float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	i := int(float64(len(r.lat)-1) * p)
	return r.lat[i]
}

// gen returns the request worker w sends as its i-th.
type gen func(w, i int) *request

// drive runs conc workers, each on its own keep-alive connection, sending
// requests from g until d has passed (or, if max > 0, max requests in all).
func drive(addr string, conc int, d time.Duration, max int, g gen) loadResult {
	var (
		mu  sync.Mutex
		res loadResult
		wg  sync.WaitGroup
	)
	var budget chan struct{}
	if max > 0 {
		budget = make(chan struct{}, max)
		for range max {
			budget <- struct{}{}
		}
		close(budget)
	}
	start := time.Now()
	deadline := start.Add(d)
	for w := range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k := &client{addr: addr}
			defer k.close()
			lat := make([]time.Duration, 0, 4096)
			errs, first := 0, ""
			for i := 0; ; i++ {
				if budget != nil {
					if _, ok := <-budget; !ok {
						break
					}
				} else if !time.Now().Before(deadline) {
					break
				}
				rq := g(w, i)
				t0 := time.Now()
				status, err := k.do(rq.raw)
				lat = append(lat, time.Since(t0))
				if err != nil || !rq.ok(status) {
					errs++
					if first == "" {
						if err != nil {
							first = err.Error()
						} else {
							first = fmt.Sprintf("status %d: %.200s", status, k.body)
						}
					}
				}
			}
			mu.Lock()
			res.lat = append(res.lat, lat...)
			res.n += len(lat)
			res.errors += errs
			if res.firstErr == "" {
				res.firstErr = first
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	slices.Sort(res.lat)
	return res
}
