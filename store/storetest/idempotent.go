package storetest

import (
	"fmt"
	"sync"
	"testing"

	"github.com/plenary/plenary/store"
)

// appendOnce appends data under key and checks the seq it got and
// whether the store called it a repeat.
func appendOnce(t *testing.T, l store.Log, board, key string, data []byte, wantSeq uint64, wantDup bool) {
	t.Helper()
	seq, dup, err := l.Append(t.Context(), board, "", key, data)
	if err != nil || seq != wantSeq || dup != wantDup {
		t.Fatalf("Append(%s, %q) = %d, dup %v, %v; want %d, dup %v", board, key, seq, dup, err, wantSeq, wantDup)
	}
}

func checkSeqOf(t *testing.T, l store.Log, board, key string, want uint64) {
	t.Helper()
	if seq, err := l.SeqOf(t.Context(), board, key); err != nil || seq != want {
		t.Fatalf("SeqOf(%s, %q) = %d, %v; want %d", board, key, seq, err, want)
	}
}

// testIdempotent: an op appended again under its key is not appended; the
// repeat gets the first one's seq, whatever it carries, however much the
// log has moved on or been trimmed since.
func (s *suite) testIdempotent(t *testing.T) {
	l := s.open(t)
	a, b := Board(t), Board(t)
	appendOnce(t, l, a, "p1/c1", record(a, 1), 1, false)
	appendOnce(t, l, a, "p2/c1", record(a, 2), 2, false)
	appendOnce(t, l, a, "p1/c1", []byte("the same op, resent"), 1, true)
	appendOnce(t, l, b, "p1/c1", record(b, 1), 1, false) // keys are per board
	appendOnce(t, l, a, "", record(a, 3), 3, false)
	appendOnce(t, l, a, "", record(a, 4), 4, false) // no key: never a repeat
	recs, err := l.Read(t.Context(), a, "", 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	checkRecords(t, a, recs, 1, 4)
	checkSeqOf(t, l, a, "p1/c1", 1)
	checkSeqOf(t, l, a, "p2/c1", 2)
	checkSeqOf(t, l, a, "p3/c1", 0)

	// Trimming the log behind a snapshot keeps the keys.
	for n := uint64(5); n <= store.Keep+10; n++ {
		mustAppend(t, l, a, n)
	}
	if err := l.SaveSnapshot(t.Context(), a, store.Snapshot{Seq: store.Keep + 10, Data: []byte("snap")}); err != nil {
		t.Fatal(err)
	}
	appendOnce(t, l, a, "p1/c1", []byte("resent much later"), 1, true)
	checkSeqOf(t, l, a, "p2/c1", 2)
	if last, err := l.Last(t.Context(), a); err != nil || last != store.Keep+10 {
		t.Fatalf("Last = %d, %v; want %d: a repeat was appended", last, err, store.Keep+10)
	}
}

// testIdempotentConcurrent: many resends of one op racing each other
// (from one process or several) append it once, and all get its seq.
func (s *suite) testIdempotentConcurrent(t *testing.T) {
	l := s.open(t)
	others := []store.Log{l}
	if s.peer != nil {
		others = append(others, s.peer(t, l))
	}
	board := Board(t)
	const ops, resends = 10, 8
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		seqs  = map[string]map[uint64]bool{} // key → seqs it was answered with
		fresh = map[string]int{}             // key → appends not called repeats
	)
	for i := range resends {
		wg.Go(func() {
			log := others[i%len(others)]
			for op := range ops {
				key := fmt.Sprintf("p1/c%d", op)
				seq, dup, err := log.Append(t.Context(), board, "", key, fmt.Appendf(nil, "op %d try %d", op, i))
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if seqs[key] == nil {
					seqs[key] = map[uint64]bool{}
				}
				seqs[key][seq] = true
				if !dup {
					fresh[key]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for op := range ops {
		key := fmt.Sprintf("p1/c%d", op)
		if len(seqs[key]) != 1 || fresh[key] != 1 {
			t.Errorf("op %s: answered with seqs %v, appended %d times; want one seq, appended once", key, seqs[key], fresh[key])
		}
	}
	if last, err := l.Last(t.Context(), board); err != nil || last != ops {
		t.Fatalf("Last = %d, %v; want %d", last, err, ops)
	}
}

// testIdempotentDurable: a restarted process still knows the keys.
func (s *suite) testIdempotentDurable(t *testing.T) {
	if s.reopen == nil {
		t.Skip("the backend cannot be reopened")
	}
	l := s.open(t)
	board := Board(t)
	appendOnce(t, l, board, "p1/c1", record(board, 1), 1, false)
	l = s.reopen(t, l)
	appendOnce(t, l, board, "p1/c1", []byte("after a restart"), 1, true)
	checkSeqOf(t, l, board, "p1/c1", 1)
	appendOnce(t, l, board, "p1/c2", record(board, 2), 2, false)
}
