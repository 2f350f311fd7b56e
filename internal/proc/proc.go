// Package proc builds the bobbin binary and runs it as a child process:
// on a free loopback port, with the environment the caller chooses, ready
// once /ready answers 200, stopped with SIGTERM (SIGKILL after a grace
// period). The system tests (internal/systest) and the benchmark
// (cmd/bobbin-bench) both start Bobbin through it, so they start it alike.
package proc

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// Package is the import path of the binary Build compiles.
const Package = "bobbin/cmd/bobbin"

// Build compiles the bobbin binary to out, running the go tool in dir (a
// folder inside the module; "" is the current one). The error holds the
// compiler's output.
func Build(dir, out string) error {
	goTool, err := exec.LookPath("go")
	if err != nil {
		return fmt.Errorf("the go tool is not on PATH, so the bobbin binary cannot be built: %w", err)
	}
	cmd := exec.Command(goTool, "build", "-o", out, Package)
	cmd.Dir = dir
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %w\n%s", Package, err, b)
	}
	return nil
}

// FreePort asks the kernel for a loopback port that is free now.
func FreePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// Options say how to start the binary.
type Options struct {
	Bin  string   // the built binary
	Args []string // default: serve
	// Env is the child's whole environment (nothing of the caller's is
	// inherited); Start adds BACKEND_HOST and BACKEND_PORT.
	Env    []string
	Output io.Writer // stdout and stderr of the child; nil discards
	// ReadyTimeout bounds the wait for /ready (default 60 s).
	ReadyTimeout time.Duration
	// TLS, when set, is the client configuration to ask /ready over HTTPS
	// (a child serving BACKEND_TLS_CERT); URL is then https://.
	TLS *tls.Config
}

// Proc is a running bobbin.
type Proc struct {
	Cmd  *exec.Cmd
	Addr string // host:port
	URL  string // http://host:port
	// Ready is the time from exec to the first 200 of /ready.
	Ready time.Duration

	done chan struct{}
	mu   sync.Mutex
	err  error // what Wait returned, once done is closed
}

// pollEvery is how often /ready is asked during start-up: short, because
// the benchmark reports the start-up time.
const pollEvery = 2 * time.Millisecond

// Start runs the binary on a free port and returns once /ready answers
// 200. It fails, with the process stopped, when the process exits first,
// ctx ends, or ReadyTimeout passes.
func Start(ctx context.Context, o Options) (*Proc, error) {
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	args := o.Args
	if len(args) == 0 {
		args = []string{"serve"}
	}
	cmd := exec.Command(o.Bin, args...)
	// Last, so that they win over a caller's duplicate.
	cmd.Env = append(append([]string{}, o.Env...), "BACKEND_HOST=127.0.0.1", "BACKEND_PORT="+strconv.Itoa(port))
	if o.Output != nil {
		cmd.Stdout, cmd.Stderr = o.Output, o.Output
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &Proc{Cmd: cmd, Addr: "127.0.0.1:" + strconv.Itoa(port), done: make(chan struct{})}
	p.URL = "http://" + p.Addr
	if o.TLS != nil {
		p.URL = "https://" + p.Addr
	}
	go func() {
		err := cmd.Wait()
		p.mu.Lock()
		p.err = err
		p.mu.Unlock()
		close(p.done)
	}()
	limit := o.ReadyTimeout
	if limit <= 0 {
		limit = 60 * time.Second
	}
	timeout := time.NewTimer(limit)
	defer timeout.Stop()
	client := &http.Client{Timeout: 5 * time.Second}
	if o.TLS != nil {
		client.Transport = &http.Transport{TLSClientConfig: o.TLS}
	}
	defer client.CloseIdleConnections()
	for {
		if ready(ctx, client, p.URL+"/ready") {
			p.Ready = time.Since(start)
			return p, nil
		}
		select {
		case <-p.done:
			return nil, fmt.Errorf("bobbin exited before it was ready: %v", p.exitErr())
		case <-ctx.Done():
			p.Kill()
			return nil, ctx.Err()
		case <-timeout.C:
			p.Kill()
			return nil, fmt.Errorf("bobbin not ready after %v", limit)
		case <-time.After(pollEvery):
		}
	}
}

func ready(ctx context.Context, c *http.Client, url string) bool {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return false
	}
	res, err := c.Do(req)
	if err != nil {
		return false
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode == 200
}

// Pid is the child's process id.
func (p *Proc) Pid() int { return p.Cmd.Process.Pid }

// Done is closed when the process has exited.
func (p *Proc) Done() <-chan struct{} { return p.done }

func (p *Proc) exitErr() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// Wait waits up to d for the process to exit and returns its exit code
// (-1 when killed by a signal); ok is false when it still runs after d.
func (p *Proc) Wait(d time.Duration) (code int, ok bool) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-p.done:
		return p.Cmd.ProcessState.ExitCode(), true
	case <-t.C:
		return -1, false
	}
}

// Signal sends sig to the process.
func (p *Proc) Signal(sig os.Signal) error { return p.Cmd.Process.Signal(sig) }

// Stop sends SIGTERM and waits for the exit; after grace it kills the
// process and says so. It returns the process's own error otherwise (nil
// for a clean exit 0).
func (p *Proc) Stop(grace time.Duration) error {
	if p == nil || p.Cmd.Process == nil {
		return nil
	}
	select {
	case <-p.done:
		return p.exitErr()
	default:
	}
	p.Signal(syscall.SIGTERM)
	if _, ok := p.Wait(grace); !ok {
		p.Kill()
		return errors.New("bobbin did not stop within " + grace.String() + "; killed")
	}
	return p.exitErr()
}

// Kill kills the process, if it still runs, and waits for it.
func (p *Proc) Kill() {
	select {
	case <-p.done:
		return
	default:
	}
	p.Cmd.Process.Kill()
	<-p.done
}
