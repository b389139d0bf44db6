package replica

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/plenary/plenary/board"
)

// lobby is a replica of a board with n participants joined and no groups
// yet: the facilitator is p1, the newcomers p2 onwards.
func lobby(t testing.TB, n int) (r *Replica, join func()) {
	r = &Replica{state: board.New()}
	at := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	apply := func(op board.Op) {
		e := board.Entry{Seq: r.state.Seq + 1, At: at, Seed: r.state.Seq + 1, Op: op}
		if a := r.Apply(e); a.Refusal != nil {
			t.Fatalf("%s: %v", op.Kind, a.Refusal)
		}
	}
	apply(board.Op{Kind: board.BoardCreate, Title: "Plenary", Prompt: "What can we do together?"})
	join = func() {
		i := len(r.state.Participants)
		apply(board.Op{Kind: board.ParticipantJoin, Name: fmt.Sprintf("P%d", i), Role: []board.Role{board.CivilServant, board.CivilSociety}[i%2]})
	}
	for range n {
		join()
	}
	return r, join
}

// TestViewsEncodeApart checks that newcomers' snapshots cost only their
// own view: a participant's snapshot of a full lobby neither lists the
// other newcomers nor makes the facilitators' view, which lists them all;
// it stays fresh as more join, yet is not encoded again every few joins,
// since each encoding walks the whole room.
func TestViewsEncodeApart(t *testing.T) {
	r, join := lobby(t, 40)
	participants := func(frame []byte) int {
		var snap struct {
			Changes []struct{ E string }
		}
		if err := json.Unmarshal(frame, &snap); err != nil {
			t.Fatalf("snap frame %s: %v", frame, err)
		}
		n := 0
		for _, c := range snap.Changes {
			if c.E == "participant" {
				n++
			}
		}
		return n
	}
	ana := Viewer{Participant: "p2"}
	encoded := map[uint64]bool{}
	for range 200 {
		join()
		frame, seq := r.SnapshotFrame(ana)
		encoded[seq] = true
		if n := participants(frame); n != 2 {
			t.Fatalf("at seq %d Ana's snapshot lists %d participants, want the facilitator and herself", seq, n)
		}
		if r.snap[Facilitators].valid {
			t.Fatalf("at seq %d Ana's snapshot made the facilitators' view", seq)
		}
		if r.state.Seq-seq > snapStale {
			t.Fatalf("Ana's snapshot is at seq %d, %d behind the board", seq, r.state.Seq-seq)
		}
	}
	if len(encoded) > 20 {
		t.Errorf("Ana's view was encoded %d times in 200 joins", len(encoded))
	}
	frame, seq := r.SnapshotFrame(Viewer{Participant: "p1", Facilitator: true})
	if n, want := participants(frame), len(r.state.Participants); n != want || seq != r.state.Seq {
		t.Fatalf("the facilitator's snapshot at seq %d lists %d participants, want all %d at seq %d", seq, n, want, r.state.Seq)
	}
}

// BenchmarkLobbySnapshot is what the room pays to encode a view's
// snapshot again during a join storm: 5,000 participants in the lobby,
// before the groups. The room waits for it, so an op made meanwhile does
// too. The newcomers ask for the participants' view.
func BenchmarkLobbySnapshot(b *testing.B) {
	r, _ := lobby(b, 5000)
	for v, name := range []string{"participants", "facilitators"} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				r.snap[v] = r.encodeSnapshot(View(v))
			}
		})
	}
}
