package redis_test

import (
	"testing"

	"github.com/plenary/plenary/store"
	"github.com/plenary/plenary/store/redis/redistest"
	"github.com/plenary/plenary/store/storetest"
)

func TestConformance(t *testing.T) {
	srv := redistest.Start(t, redistest.Persistent...)
	runSuite(t, srv.URL())
}

func TestConformanceCluster(t *testing.T) {
	runSuite(t, redistest.StartCluster(t).URL())
}

func runSuite(t *testing.T, url string) {
	openLog := func(t *testing.T) store.Log { return open(t, url) }
	storetest.Run(t, openLog,
		storetest.Reopen(func(t *testing.T, l store.Log) store.Log { _ = l.Close(); return openLog(t) }),
		storetest.Peer(func(t *testing.T, _ store.Log) store.Log { return openLog(t) }),
	)
}
