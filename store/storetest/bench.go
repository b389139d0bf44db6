package storetest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/plenary/plenary/store"
)

// BenchmarkAppend is one op appended to l from 1 and from 32 writers per
// core at once, each on its own board: the store's share of every op, and
// how well it shares one fsync between concurrent appends.
func BenchmarkAppend(b *testing.B, l store.Log) {
	record := []byte(`{"by":"p4","at":"2026-11-28T10:00:00Z","op":{"kind":"note.add","chart":"g2","text":"One shared calendar of mobile clinic visits","x":0.4,"y":0.2}}`)
	for _, writers := range []int{1, 32} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			b.SetParallelism(writers)
			b.ReportAllocs()
			var next atomic.Int64
			b.RunParallel(func(pb *testing.PB) {
				board := fmt.Sprintf("BENCH%dW%d", writers, next.Add(1))
				for pb.Next() {
					if _, _, err := l.Append(context.Background(), board, "", "", record); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
