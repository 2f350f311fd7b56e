package api_test

import (
	"os"
	"testing"

	"bobbin/internal/apitest"
)

// TestMain lets more parallel tests run at once than -test.parallel's
// default (GOMAXPROCS, 2 on the CI machine): an API test spends most of
// its time waiting for fsyncs and PostgreSQL, not computing, so eight per
// core overlap that waiting. An explicit -test.parallel is kept. The
// tests that time or measure the process are not parallel and run alone
// before the parallel ones start.
func TestMain(m *testing.M) {
	apitest.Parallel(8)
	os.Exit(m.Run())
}
