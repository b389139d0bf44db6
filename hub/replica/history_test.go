package replica

import (
	"slices"
	"testing"

	"github.com/plenary/plenary/board"
)

// TestHistoryWraps: past RecentLen entries the history holds the newest
// RecentLen, oldest first, whichever seq a resume asks from or an answer
// looks up.
func TestHistoryWraps(t *testing.T) {
	var h history
	if _, ok := h.oldest(); ok {
		t.Fatal("an empty history has an oldest entry")
	}
	const total = 3*RecentLen + 7
	for seq := uint64(1); seq <= total; seq++ {
		h.add(Applied{Seq: seq})
		first := max(1, int(seq)-RecentLen+1)
		if oldest, _ := h.oldest(); oldest != uint64(first) {
			t.Fatalf("after %d entries the oldest is %d, want %d", seq, oldest, first)
		}
	}
	for _, after := range []uint64{0, total - RecentLen, total - 5, total} {
		var got []uint64
		h.after(after, func(a *Applied) { got = append(got, a.Seq) })
		var want []uint64
		for seq := max(after+1, total-RecentLen+1); seq <= total; seq++ {
			want = append(want, seq)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("after %d: %d entries from %v, want %d from %v", after, len(got), first(got), len(want), first(want))
		}
	}
	for _, seq := range []uint64{0, total - RecentLen, total - RecentLen + 1, total - 5, total, total + 1} {
		a := h.find(seq)
		if held := seq > total-RecentLen && seq <= total; held != (a != nil) || a != nil && a.Seq != seq {
			t.Fatalf("find(%d) = %v, want the entry: %v", seq, a, held)
		}
	}
}

func first(seqs []uint64) any {
	if len(seqs) == 0 {
		return "none"
	}
	return seqs[0]
}

// BenchmarkRemember is a replica keeping one more entry once its history
// is full: paid on every op of a board that has run a while.
func BenchmarkRemember(b *testing.B) {
	var h history
	seq := uint64(0)
	for range RecentLen {
		seq++
		h.add(Applied{Seq: seq, changes: make([]board.Change, 1)})
	}
	b.ReportAllocs()
	for b.Loop() {
		seq++
		h.add(Applied{Seq: seq})
	}
}
