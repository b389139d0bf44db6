package main

import (
	"runtime"
	"testing"
)

// TestAtLeastTwoProcs: on one core the server still runs two Ps, so that
// an fsync never stops it; GOMAXPROCS, when set, is obeyed, and more
// cores are never cut down to two.
func TestAtLeastTwoProcs(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	unset := func(string) string { return "" }
	for _, c := range []struct {
		name   string
		procs  int
		getenv func(string) string
		want   int
	}{
		{"one core", 1, unset, 2},
		{"four cores", 4, unset, 4},
		{"GOMAXPROCS=1 set", 1, func(k string) string {
			if k == "GOMAXPROCS" {
				return "1"
			}
			return ""
		}, 1},
	} {
		runtime.GOMAXPROCS(c.procs)
		atLeastTwoProcs(c.getenv)
		if got := runtime.GOMAXPROCS(0); got != c.want {
			t.Errorf("%s: GOMAXPROCS %d, want %d", c.name, got, c.want)
		}
	}
}
