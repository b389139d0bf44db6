package replica

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/store"
)

// TestSnapshotsInAStorm: while 5,000 people join a board, each newcomer
// asking for the board as it is, the board is encoded again only as it
// grows by a quarter, so all the encodings of the storm weigh a few times
// the last one (every 128 joins, they weighed twenty times it), and every
// newcomer can still be sent the board as it is: the snapshot and the
// entries after it.
func TestSnapshotsInAStorm(t *testing.T) {
	r, err := Load(store.Snapshot{})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
	apply := func(op board.Op) {
		t.Helper()
		if a := r.Apply(board.Entry{Seq: r.Seq() + 1, At: at, Op: op}); a.Refusal != nil {
			t.Fatalf("%s: %v", op.Kind, a.Refusal)
		}
	}
	apply(board.Op{Kind: board.BoardCreate, Title: "Plenary", Prompt: "What can we do together?"})
	encoded, last := 0, uint64(0)
	for i := range 5000 {
		apply(board.Op{Kind: board.ParticipantJoin, Name: fmt.Sprintf("P%d", i), Role: []board.Role{board.CivilServant, board.CivilSociety}[i%2]})
		if i%10 != 9 {
			continue // of every ten newcomers, one asks while the others draw
		}
		frame, seq := r.SnapshotFrame(Viewer{Participant: fmt.Sprintf("p%d", i+1)})
		if seq != last {
			encoded, last = encoded+len(frame), seq
		}
		if !r.Resumable(seq, r.Epoch()) {
			t.Fatalf("join %d: the snapshot at %d is not followed by the entries after it (the state is at %d)", i+1, seq, r.Seq())
		}
		if i == 4999 {
			if !json.Valid(frame) {
				t.Fatalf("the snap frame is not JSON: %.200s", frame)
			}
			behind := 0
			r.After(seq, func(*Applied) { behind++ })
			if people, want := bytes.Count(frame, []byte(`"e":"participant"`))+behind, len(r.State().Participants); people != want {
				t.Errorf("the last newcomer is sent %d participants in the snapshot and the entries after it, want %d", people, want)
			}
			if ratio := float64(encoded) / float64(len(frame)); ratio > 6 {
				t.Errorf("the storm's encodings weigh %.1f times the last snapshot, want at most 6", ratio)
			}
		}
	}
}
