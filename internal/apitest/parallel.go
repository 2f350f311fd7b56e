package apitest

import (
	"flag"
	"runtime"
	"strconv"
)

// Parallel sets -test.parallel to perCore tests per core unless it was
// given on the command line; a TestMain calls it before m.Run. The
// default (GOMAXPROCS, 2 on the CI machine) suits tests that compute;
// tests that mostly wait (on fsyncs, PostgreSQL, a browser) overlap
// their waiting when more run at once.
func Parallel(perCore int) {
	if !flag.Parsed() {
		flag.Parse()
	}
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "test.parallel" })
	if !given {
		flag.Set("test.parallel", strconv.Itoa(perCore*runtime.GOMAXPROCS(0)))
	}
}
