package bolt_test

import (
	"path/filepath"
	"testing"

	"github.com/plenary/plenary/store/storetest"
)

// BenchmarkAppend runs on a bbolt file in a temporary directory, on
// whatever disk holds it.
func BenchmarkAppend(b *testing.B) {
	l := open(b, filepath.Join(b.TempDir(), "plenary.db"))
	storetest.BenchmarkAppend(b, l)
}
