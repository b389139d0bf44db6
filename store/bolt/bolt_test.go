package bolt_test

import (
	"path/filepath"
	"sync"
	"testing"

	"github.com/plenary/plenary/store"
	"github.com/plenary/plenary/store/bolt"
	"github.com/plenary/plenary/store/storetest"
)

func TestConformance(t *testing.T) {
	var mu sync.Mutex
	paths := map[store.Log]string{} // where each Log keeps its file
	openAt := func(t *testing.T, path string) store.Log {
		l := open(t, path)
		mu.Lock()
		paths[l] = path
		mu.Unlock()
		return l
	}
	storetest.Run(t,
		func(t *testing.T) store.Log { return openAt(t, filepath.Join(t.TempDir(), "plenary.db")) },
		storetest.Reopen(func(t *testing.T, l store.Log) store.Log {
			mu.Lock()
			path := paths[l]
			mu.Unlock()
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			return openAt(t, path)
		}),
	)
}

func open(t testing.TB, path string) store.Log {
	t.Helper()
	l, err := bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	return l
}
