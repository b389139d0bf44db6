package redis_test

import (
	"context"
	"testing"

	"github.com/plenary/plenary/store/redis"
	"github.com/plenary/plenary/store/redis/redistest"
	"github.com/plenary/plenary/store/storetest"
)

// BenchmarkAppend runs append.lua on a local redis-server with fsync on
// every write (Redis shares one fsync between the writes of one
// event-loop turn).
func BenchmarkAppend(b *testing.B) {
	srv := redistest.Start(b, redistest.Persistent...)
	l, err := redis.Open(context.Background(), srv.URL())
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	storetest.BenchmarkAppend(b, l)
}
