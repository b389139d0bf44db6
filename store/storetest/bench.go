package storetest

import (
	"context"
	"fmt"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/plenary/plenary/store"
)

var benchRuns atomic.Int64

// BenchmarkAppend is one op appended to l from 1 and from 32 writers per
// core at once, each on its own board: the store's share of every op, and
// how well it shares one fsync between concurrent appends. Each op has
// its own idempotency key, as every op from a client has.
func BenchmarkAppend(b *testing.B, l store.Log) {
	record := []byte(`{"by":"p4","at":"2026-11-28T10:00:00Z","op":{"kind":"note.add","chart":"g2","text":"One shared calendar of mobile clinic visits","x":0.4,"y":0.2}}`)
	for _, writers := range []int{1, 32} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			b.SetParallelism(writers)
			b.ReportAllocs()
			var next atomic.Int64
			b.RunParallel(func(pb *testing.PB) {
				board := fmt.Sprintf("BENCH%dW%d", writers, next.Add(1))
				// Keys unique across the benchmark's rounds, which
				// append to the same boards again.
				prefix := "p" + strconv.FormatInt(benchRuns.Add(1), 10) + "/c"
				for n := 0; pb.Next(); n++ {
					if _, _, err := l.Append(context.Background(), board, "", prefix+strconv.Itoa(n), record); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
