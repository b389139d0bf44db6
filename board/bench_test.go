package board

import (
	"encoding/json"
	"fmt"
	"testing"
)

// plenaryBoard is a board in the cluster phase with participants in
// groups and notes on the canvas, the shape the hot paths see.
func plenaryBoard(b *testing.B, participants, notes int) (*workshop, []string) {
	b.Helper()
	w := newWorkshop(b, nil)
	for i := range participants {
		w.join(fmt.Sprintf("P%d", i), []Role{CivilServant, CivilSociety}[i%2])
	}
	w.must(facilitator, Op{Kind: GroupsForm, Size: 6})
	ids := make([]string, notes)
	for i := range ids {
		ids[i] = w.note(facilitator, "g1", fmt.Sprintf("idea %d", i))
	}
	w.phase(Cluster)
	return w, ids
}

// BenchmarkApply is the cost of applying one op on every replica: a note
// dragged across the canvas of a 2,000-participant board with 1,000 notes.
func BenchmarkApply(b *testing.B) {
	w, notes := plenaryBoard(b, 2000, 1000)
	mover := "p2"
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		x := float64(i%100) / 100
		if _, err := w.apply(mover, Op{Kind: NoteMove, Note: notes[i%len(notes)], X: &x, Y: &x}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVote is a dot cast and taken back, which recounts the ranking.
func BenchmarkVote(b *testing.B) {
	w, notes := plenaryBoard(b, 2000, 1000)
	w.phase(Vote)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		kind := VoteCast
		if i%2 == 1 {
			kind = VoteRetract
		}
		if _, err := w.apply("p2", Op{Kind: kind, Item: notes[0]}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSnapshot is what a browser that joins costs: the whole board as
// changes, encoded.
func BenchmarkSnapshot(b *testing.B) {
	w, _ := plenaryBoard(b, 2000, 1000)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := json.Marshal(w.s.Changes()); err != nil {
			b.Fatal(err)
		}
	}
}
