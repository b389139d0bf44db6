package hub

import (
	"slices"
	"testing"

	"github.com/plenary/plenary/board"
)

// TestHistoryWraps: past recentLen entries the history holds the newest
// recentLen, oldest first, whichever seq a resume asks from.
func TestHistoryWraps(t *testing.T) {
	var h history
	if _, ok := h.oldest(); ok {
		t.Fatal("an empty history has an oldest entry")
	}
	const total = 3*recentLen + 7
	for seq := uint64(1); seq <= total; seq++ {
		h.add(applied{seq: seq})
		first := max(1, int(seq)-recentLen+1)
		if oldest, _ := h.oldest(); oldest != uint64(first) {
			t.Fatalf("after %d entries the oldest is %d, want %d", seq, oldest, first)
		}
	}
	for _, after := range []uint64{0, total - recentLen, total - 5, total} {
		var got []uint64
		h.after(after, func(a *applied) { got = append(got, a.seq) })
		var want []uint64
		for seq := max(after+1, total-recentLen+1); seq <= total; seq++ {
			want = append(want, seq)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("after %d: %d entries from %v, want %d from %v", after, len(got), first(got), len(want), first(want))
		}
	}
}

func first(seqs []uint64) any {
	if len(seqs) == 0 {
		return "none"
	}
	return seqs[0]
}

// BenchmarkRemember is a room remembering one more applied entry once its
// history is full: paid on every op of a board that has run a while.
func BenchmarkRemember(b *testing.B) {
	r := &room{}
	seq := uint64(0)
	for range recentLen {
		seq++
		r.remember(applied{seq: seq, changes: make([]board.Change, 1)})
	}
	b.ReportAllocs()
	for b.Loop() {
		seq++
		r.remember(applied{seq: seq})
	}
}
