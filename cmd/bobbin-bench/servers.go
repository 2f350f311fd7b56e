package main

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// bareBody is the reference answer: a fixed JSON document of exactly 200 bytes.
var bareBody = func() []byte {
	b := []byte(`{"result":"success","note":"`)
	tail := []byte(`"}` + "\n")
	for len(b)+len(tail) < 200 {
		b = append(b, 'x')
	}
	return append(b, tail...)
}()

// serveBare is the "bare" subcommand: the reference handler, a plain
// net/http server answering bareBody to every request. It prints its
// address on stdout and serves until killed.
func serveBare(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Println("listening", ln.Addr().String())
	clen := strconv.Itoa(len(bareBody))
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", clen)
		w.Write(bareBody)
	})
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 120 * time.Second}
	return srv.Serve(ln)
}

// child is a server process the bench started.
type child struct {
	name string
	cmd  *exec.Cmd
	addr string // host:port
	done chan error
}

func (c *child) pid() int { return c.cmd.Process.Pid }

// stop sends SIGTERM and waits (SIGKILL after 15 s).
func (c *child) stop() error {
	if c == nil || c.cmd.Process == nil {
		return nil
	}
	c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-c.done:
		return err
	case <-time.After(15 * time.Second):
		c.cmd.Process.Kill()
		return errors.New(c.name + " did not stop within 15 s; killed")
	}
}

// startBare re-executes this binary as the bare server.
func startBare() (*child, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, "bare", "--addr", "127.0.0.1:0")
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := &child{name: "bare", cmd: cmd, done: make(chan error, 1)}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "listening ") {
		cmd.Process.Kill()
		cmd.Wait()
		return nil, fmt.Errorf("bare server did not start: %q %v", line, err)
	}
	c.addr = strings.TrimSpace(strings.TrimPrefix(line, "listening "))
	go func() { c.done <- cmd.Wait() }()
	return c, nil
}

// freePort asks the kernel for a port that is free now.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// buildBobbin compiles ./cmd/bobbin of this module into dir.
func buildBobbin(dir string) (string, error) {
	out := filepath.Join(dir, "bobbin")
	cmd := exec.Command("go", "build", "-o", out, "bobbin/cmd/bobbin")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build bobbin/cmd/bobbin (run the bench from inside the repository, or pass --bobbin): %w", err)
	}
	return out, nil
}

// bobbinEnv is the environment of the Bobbin child: only what the bench
// chooses, plus PATH and HOME, so the caller's BACKEND_* cannot leak in.
func bobbinEnv(o *options, dataDir string, port int) []string {
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + os.Getenv("HOME"),
		"BACKEND_HOST=127.0.0.1",
		"BACKEND_PORT=" + strconv.Itoa(port),
		"BACKEND_DATA_DIR=" + dataDir,
		"BACKEND_ENABLE_TESTS=true", // signup answers its confirmation id
		"BACKEND_LOG_FORMAT=json",
		// The bench signs many users up from one address: lift the mail limits.
		"BACKEND_MAILS_PER_ADDRESS=100000000",
		// 64 sign-ins queue for two hashing slots: let them wait rather than 503.
		"BACKEND_HASH_WAIT=30s",
	}
	if o.dbURL != "" {
		env = append(env, "BACKEND_DB_URL="+o.dbURL)
	}
	return append(env, o.env...)
}

// startBobbin starts the binary on dataDir and waits for /ready; it returns
// the time from exec to the first 200 of /ready.
func startBobbin(ctx context.Context, o *options, bin, dataDir string) (*child, time.Duration, error) {
	return startBobbinWith(ctx, o, bin, dataDir, "")
}

// startBobbinWith starts the binary with extra environment; with tlsDir, it
// serves HTTPS with the certificate files written there (tlsCert).
func startBobbinWith(ctx context.Context, o *options, bin, dataDir, tlsDir string) (*child, time.Duration, error) {
	port, err := freePort()
	if err != nil {
		return nil, 0, err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, 0, err
	}
	logf, err := os.OpenFile(filepath.Join(dataDir, "bench-bobbin.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, 0, err
	}
	defer logf.Close()
	cmd := exec.Command(bin, "serve")
	cmd.Env = bobbinEnv(o, dataDir, port)
	addr := "127.0.0.1:" + strconv.Itoa(port)
	if tlsDir != "" {
		cmd.Env = append(cmd.Env, "BACKEND_TLS_CERT="+filepath.Join(tlsDir, "cert.pem"), "BACKEND_TLS_KEY="+filepath.Join(tlsDir, "key.pem"))
		addr = tlsPrefix + addr
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, 0, err
	}
	c := &child{name: "bobbin", cmd: cmd, addr: addr, done: make(chan error, 1)}
	go func() { c.done <- cmd.Wait() }()
	probe := &client{addr: c.addr}
	defer probe.close()
	req := buildRequest(strings.TrimPrefix(c.addr, tlsPrefix), "GET", "/ready", "", nil)
	for {
		if status, err := probe.do(req); err == nil && status == 200 {
			return c, time.Since(start), nil
		}
		select {
		case err := <-c.done:
			return nil, 0, fmt.Errorf("bobbin exited before ready (%v); see %s", err, logf.Name())
		case <-ctx.Done():
			c.stop()
			return nil, 0, ctx.Err()
		case <-time.After(2 * time.Millisecond):
		}
		if time.Since(start) > 60*time.Second {
			c.stop()
			return nil, 0, errors.New("bobbin not ready after 60 s")
		}
	}
}

// tlsCert writes a self-signed ECDSA certificate for 127.0.0.1 into dir
// (cert.pem, key.pem) and sets benchTLS to trust it, HTTP/1.1 as the load
// generator speaks.
func tlsCert(dir string) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "bobbin-bench"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return err
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "cert.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "key.pem"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		return err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return err
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	benchTLS = &tls.Config{RootCAs: pool, NextProtos: []string{"http/1.1"}, MinVersion: tls.VersionTLS12}
	return nil
}
