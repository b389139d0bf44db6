package hub

import (
	"path/filepath"
	"testing"

	"github.com/plenary/plenary/store/bolt"
)

// newBoltHub is a hub on an embedded store in a fresh directory, for the
// tests that look inside the hub; both close with the test.
func newBoltHub(t *testing.T) (*Hub, *bolt.Log) {
	t.Helper()
	log, err := bolt.Open(filepath.Join(t.TempDir(), "plenary.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = log.Close() })
	h, err := New(Config{Log: log, Secret: []byte("a test secret of some length")})
	if err != nil {
		t.Fatal(err)
	}
	return h, log
}
