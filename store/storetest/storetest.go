// Package storetest is the conformance suite every store.Log passes, and
// the helpers its tests and the backends' own tests share.
package storetest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"regexp"
	"sync/atomic"
	"testing"

	"github.com/plenary/plenary/store"
)

// Option adds what a backend can do beyond the store.Log interface.
type Option func(*suite)

// Reopen gives a function that closes l and opens its data again, as a
// restarted process would. With it, the suite checks that every
// acknowledged record and snapshot survives.
func Reopen(reopen func(t *testing.T, l store.Log) store.Log) Option {
	return func(s *suite) { s.reopen = reopen }
}

// Peer gives a function that opens a second Log on l's data, as another
// process would. With it, the suite checks that records and ephemeral
// messages cross from one process to the other.
func Peer(peer func(t *testing.T, l store.Log) store.Log) Option {
	return func(s *suite) { s.peer = peer }
}

type suite struct {
	open   func(t *testing.T) store.Log
	reopen func(t *testing.T, l store.Log) store.Log // nil: not supported
	peer   func(t *testing.T, l store.Log) store.Log // nil: not supported
}

// Run runs the suite on the Logs open gives. A Log open returns may share
// its backend with others (one Redis server for the whole suite): every
// test uses boards of its own. open closes the Log with t.Cleanup; the
// suite only closes a Log through Reopen.
func Run(t *testing.T, open func(t *testing.T) store.Log, opts ...Option) {
	s := &suite{open: open}
	for _, opt := range opts {
		opt(s)
	}
	tests := []struct {
		name string
		fn   func(t *testing.T)
	}{
		{"Seqs", s.testSeqs},
		{"Create", s.testCreate},
		{"Read", s.testRead},
		{"Durable", s.testDurable},
		{"Snapshot", s.testSnapshot},
		{"Trim", s.testTrim},
		{"ConcurrentAppends", s.testConcurrentAppends},
		{"LargeRecord", s.testLargeRecord},
		{"InvalidBoard", s.testInvalidBoard},
		{"Epoch", s.testEpoch},
		{"SubscribeOwn", s.testSubscribeOwn},
		{"Idempotent", s.testIdempotent},
		{"IdempotentConcurrent", s.testIdempotentConcurrent},
		{"IdempotentDurable", s.testIdempotentDurable},
	}
	if s.peer != nil {
		// Only a backend shared by processes has another process to
		// hear from.
		tests = append(tests, []struct {
			name string
			fn   func(t *testing.T)
		}{
			{"Subscribe", s.testSubscribe},
			{"Ephemeral", s.testEphemeral},
		}...)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t)
		})
	}
}

var boards atomic.Uint64

// Board returns a board id no other test uses, even against a backend
// that outlives one test process.
func Board(t testing.TB) string {
	var salt [4]byte
	rand.Read(salt[:])
	name := regexp.MustCompile(`[^A-Za-z0-9]+`).ReplaceAllString(t.Name(), "-")
	if len(name) > 40 {
		name = name[len(name)-40:]
	}
	return fmt.Sprintf("%s-%d-%s", name, boards.Add(1), hex.EncodeToString(salt[:]))
}

// record is the data of the test record with seq n of a board.
func record(board string, n uint64) []byte {
	return fmt.Appendf(nil, "%s record %d", board, n)
}

// mustAppend appends the board's nth record and checks it got seq n.
func mustAppend(t *testing.T, l store.Log, board string, n uint64) {
	t.Helper()
	seq, _, err := l.Append(t.Context(), board, "", "", record(board, n))
	if err != nil {
		t.Fatalf("append %d to %s: %v", n, board, err)
	}
	if seq != n {
		t.Fatalf("append to %s: got seq %d, want %d", board, seq, n)
	}
}

// checkRecords checks recs are the board's records from..to, as record
// made them.
func checkRecords(t *testing.T, board string, recs []store.Record, from, to uint64) {
	t.Helper()
	if want := int(to + 1 - from); from > to && len(recs) != 0 || from <= to && len(recs) != want {
		t.Fatalf("got %d records (%s), want seqs %d..%d", len(recs), seqs(recs), from, to)
	}
	for i, r := range recs {
		want := from + uint64(i)
		if r.Seq != want || string(r.Data) != string(record(board, want)) {
			t.Fatalf("record %d is {%d %q}, want {%d %q}", i, r.Seq, r.Data, want, record(board, want))
		}
	}
}

func seqs(recs []store.Record) string {
	s := ""
	for i, r := range recs {
		if i == 8 {
			return s + " ..."
		}
		s += fmt.Sprint(" ", r.Seq)
	}
	return s
}
