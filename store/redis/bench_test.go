package redis_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/plenary/plenary/store/redis"
	"github.com/plenary/plenary/store/redis/redistest"
)

func redisOpen(url string) (*redis.Log, error) { return redis.Open(context.Background(), url) }

// BenchmarkAppend is one op sequenced, stored and published by append.lua
// on a local redis-server with fsync on every write, from 1 and from 32
// writers at once (Redis shares one fsync between the writes of one
// event-loop turn).
func BenchmarkAppend(b *testing.B) {
	srv := redistest.Start(b, redistest.Persistent...)
	l, err := redisOpen(srv.URL())
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	record := []byte(`{"by":"p4","at":"2026-11-28T10:00:00Z","op":{"kind":"note.add","chart":"g2","text":"One shared calendar of mobile clinic visits","x":0.4,"y":0.2}}`)
	for _, writers := range []int{1, 32} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			b.SetParallelism(writers)
			b.ReportAllocs()
			var next atomic.Int64
			b.RunParallel(func(pb *testing.PB) {
				board := fmt.Sprintf("BENCH%dW%d", writers, next.Add(1))
				for pb.Next() {
					if _, err := l.Append(context.Background(), board, record); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
