package hub_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/hub/client"
	"github.com/plenary/plenary/internal/plenarytest"
)

// BenchmarkFanOut measures one change fanned out to n connected websocket
// clients: each iteration is one op from the facilitator, timed until the
// last of the n clients has its change. Clients and server share this
// process and its cores, so the figure is an upper bound on the server's
// share.
func BenchmarkFanOut(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprintf("clients=%d", n), func(b *testing.B) {
			ts := startServer(b, unlimited)
			created := ts.create("Fan-out bench", "How fast?")
			fac := ts.facilitator(created)
			var want atomic.Uint64
			var got atomic.Int64
			done := make(chan struct{}, 1)
			for i := range n {
				_, err := client.Dial(context.Background(), ts.url, client.Hello{Board: created.ID, Join: &client.Join{Name: fmt.Sprintf("P%d", i), Role: board.CivilServant}}, client.Options{
					OnFrame: func(f client.Frame, _ time.Time) {
						if f.T == "chg" && f.Seq == want.Load() && got.Add(1) == int64(n) {
							done <- struct{}{}
						}
					},
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			if err := fac.WaitSeq(context.Background(), uint64(n+1)); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			start := time.Now()
			for i := range b.N {
				// Only the facilitator writes, so the op's seq is known
				// before it is sent.
				got.Store(0)
				want.Store(fac.Seq() + 1)
				if _, err := fac.Do(context.Background(), board.Op{Kind: board.BoardEdit, Title: fmt.Sprintf("Fan-out %d", i), Prompt: "How fast?"}); err != nil {
					b.Fatal(err)
				}
				select {
				case <-done:
				case <-time.After(30 * time.Second):
					b.Fatalf("only %d of %d clients got seq %d", got.Load(), n, want.Load())
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/time.Since(start).Seconds(), "deliveries/s")
		})
	}
}

// unlimited lifts the per-connection op rate limit for benchmarks.
func unlimited(c *plenarytest.Config) { c.Hub.OpsPerSecond = 1 << 20 }
