package api_test

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"bobbin/internal/apitest"
)

// BenchmarkSetList: GET /sets/jwt answering a list of 20 sets, next to the
// bare handler of the same run ("x-bare"). Asserts nothing about time.
func BenchmarkSetList(b *testing.B) {
	e := apitest.New(b, apitest.WithLogOutput(io.Discard, slog.LevelInfo))
	u := e.NewUser("user")
	for range 20 {
		e.Do("POST", "/sets/jwt", map[string]any{"name": "bench", "notes": "n",
			"measies": map[string]any{"chest": 960, "waist": 820, "hips": 1010, "neck": 380, "biceps": 310, "wrist": 170}}, u.JWT()).Expect(b, 201, "")
	}
	bearer := "Bearer " + u.Token
	bare := barePerOp(b)
	b.Run("list-20-jwt", func(b *testing.B) {
		for b.Loop() {
			serve(b, e.App.Server, "GET", "/sets/jwt", bearer, 200)
		}
		b.ReportMetric(float64(b.Elapsed()/time.Duration(b.N))/float64(bare), "x-bare")
	})
}
