package apitest

import "testing"

// AgainOnPostgres runs tests again on PostgreSQL, each as a subtest of t,
// with *on set while they run: the tests' environments add WithPostgres
// when it is. Without a server named by PostgresEnv, t is skipped with the
// reason. The tests must not be parallel (they share *on).
func AgainOnPostgres(t *testing.T, on *bool, tests map[string]func(*testing.T)) {
	t.Helper()
	New(t, WithPostgres()) // skips without PostgreSQL
	*on = true
	defer func() { *on = false }()
	for name, test := range tests {
		t.Run(name, test)
	}
}
