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

	"bobbin/internal/proc"
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

// child is a server process the bench started: the bare reference
// server (started here) or Bobbin (started by internal/proc).
type child struct {
	name   string
	addr   string // host:port
	procID int
	halt   func() error
	pg     *pgServer // Bobbin on a PostgreSQL of this machine: its CPU is counted too
}

func (c *child) pid() int { return c.procID }

// stop sends SIGTERM and waits (SIGKILL after 15 s).
func (c *child) stop() error {
	if c == nil {
		return nil
	}
	return c.halt()
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
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "listening ") {
		cmd.Process.Kill()
		cmd.Wait()
		return nil, fmt.Errorf("bare server did not start: %q %v", line, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	halt := func() error {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-done:
			return err
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
			return errors.New("bare did not stop within 15 s; killed")
		}
	}
	return &child{name: "bare", addr: strings.TrimSpace(strings.TrimPrefix(line, "listening ")), procID: cmd.Process.Pid, halt: halt}, nil
}

// buildBobbin compiles ./cmd/bobbin of this module into dir.
func buildBobbin(dir string) (string, error) {
	out := filepath.Join(dir, "bobbin")
	if err := proc.Build("", out); err != nil {
		return "", fmt.Errorf("%w\n(run the bench from inside the repository, or pass --bobbin)", err)
	}
	return out, nil
}

// bobbinEnv is the environment of the Bobbin child: only what the bench
// chooses, plus PATH and HOME, so the caller's BACKEND_* cannot leak in
// (internal/proc adds the host and port).
func bobbinEnv(o *options, dataDir string) []string {
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + os.Getenv("HOME"),
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
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, 0, err
	}
	logf, err := os.OpenFile(filepath.Join(dataDir, "bench-bobbin.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, 0, err
	}
	defer logf.Close() // the child holds its own descriptor
	p, err := proc.Start(ctx, proc.Options{Bin: bin, Env: bobbinEnv(o, dataDir), Output: logf})
	if err != nil {
		return nil, 0, fmt.Errorf("%w; see %s", err, logf.Name())
	}
	c := &child{name: "bobbin", addr: p.Addr, procID: p.Pid(), halt: func() error { return p.Stop(15 * time.Second) }}
	return c, p.Ready, nil
}

// startBobbinTLS starts a second Bobbin on dataDir serving HTTPS with the
// certificate files in tlsDir (written by tlsCert); its addr carries
// tlsPrefix, so the load generator speaks TLS to it.
func startBobbinTLS(ctx context.Context, o *options, bin, dataDir, tlsDir string) (*child, error) {
	logf, err := os.OpenFile(filepath.Join(dataDir, "bench-bobbin-tls.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	env := append(bobbinEnv(o, dataDir), "BACKEND_TLS_CERT="+filepath.Join(tlsDir, "cert.pem"), "BACKEND_TLS_KEY="+filepath.Join(tlsDir, "key.pem"))
	p, err := proc.Start(ctx, proc.Options{Bin: bin, Env: env, Output: logf, TLS: benchTLS})
	if err != nil {
		return nil, fmt.Errorf("%w; see %s", err, logf.Name())
	}
	return &child{name: "bobbin-tls", addr: tlsPrefix + p.Addr, procID: p.Pid(), halt: func() error { return p.Stop(15 * time.Second) }}, nil
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
