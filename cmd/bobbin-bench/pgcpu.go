package main

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // PostgreSQL driver "pgx"
)

// pgServer is a PostgreSQL server running on this machine: its postmaster,
// whose processes (the postmaster, every backend and helper it forked)
// together are the server's CPU.
type pgServer struct{ postmaster int }

// findPostgres finds the server of a postgres:// URL on this machine: it
// asks the server for the PID of its own backend and takes that process's
// parent, the postmaster. It answers nil, with the reason, when the server
// is elsewhere (the PID would name a process of another machine).
func findPostgres(ctx context.Context, dbURL string) (*pgServer, string) {
	u, err := url.Parse(dbURL)
	if err != nil {
		return nil, "the URL does not parse"
	}
	host := u.Hostname()
	if h := u.Query().Get("host"); h != "" {
		host = h
	}
	if !strings.HasPrefix(host, "/") && host != "localhost" {
		if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
			return nil, "the server " + host + " is not on this machine"
		}
	}
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		return nil, err.Error()
	}
	defer db.Close()
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var backend int
	if err := db.QueryRowContext(cctx, "SELECT pg_backend_pid()").Scan(&backend); err != nil {
		return nil, "asking the server: " + err.Error()
	}
	st, err := procStat(backend)
	if err != nil || st.comm != "postgres" {
		return nil, "its backend is not a local postgres process"
	}
	pm, err := procStat(st.ppid)
	if err != nil || pm.comm != "postgres" {
		return nil, "the backend's parent is not a postgres postmaster"
	}
	return &pgServer{postmaster: st.ppid}, ""
}

// cpu is what the server's processes have used so far: the postmaster's
// own, that of its children it has reaped (a backend that ended), and that
// of every child alive now. Differences of two readings are exact even
// when backends start and end between them.
func (s *pgServer) cpu() (time.Duration, error) {
	pm, err := procStat(s.postmaster)
	if err != nil {
		return 0, err
	}
	total := pm.cpu + pm.childCPU
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, err
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if st, err := procStat(pid); err == nil && st.ppid == s.postmaster {
			total += st.cpu
		}
	}
	return total, nil
}

type stat struct {
	comm          string
	ppid          int
	cpu, childCPU time.Duration
}

// procStat reads /proc/<pid>/stat: comm (2), ppid (4), utime and stime
// (14, 15), cutime and cstime (16, 17).
func procStat(pid int) (stat, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return stat{}, err
	}
	s := string(b)
	l, r := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if l < 0 || r < l {
		return stat{}, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	f := strings.Fields(s[r+1:])
	if len(f) < 15 {
		return stat{}, fmt.Errorf("/proc/%d/stat: too few fields", pid)
	}
	n := func(i int) int64 { v, _ := strconv.ParseInt(f[i], 10, 64); return v }
	return stat{
		comm:     s[l+1 : r],
		ppid:     int(n(1)),
		cpu:      time.Duration(n(11)+n(12)) * clockTick,
		childCPU: time.Duration(n(13)+n(14)) * clockTick,
	}, nil
}
