package replica

import (
	"fmt"
	"testing"
	"time"

	"github.com/plenary/plenary/board"
)

// BenchmarkLobbySnapshot is what the room pays to encode its snapshot
// again during a join storm: 5,000 participants in the lobby, before the
// groups. The room waits for it, so an op made meanwhile does too.
func BenchmarkLobbySnapshot(b *testing.B) {
	r := &Replica{state: board.New()}
	at := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	apply := func(op board.Op) {
		e := board.Entry{Seq: r.state.Seq + 1, At: at, Seed: r.state.Seq + 1, Op: op}
		if a := r.Apply(e); a.Refusal != nil {
			b.Fatalf("%s: %v", op.Kind, a.Refusal)
		}
	}
	apply(board.Op{Kind: board.BoardCreate, Title: "Plenary", Prompt: "What can we do together?"})
	for i := range 5000 {
		apply(board.Op{Kind: board.ParticipantJoin, Name: fmt.Sprintf("P%d", i), Role: []board.Role{board.CivilServant, board.CivilSociety}[i%2]})
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		r.snap = r.encodeSnapshot()
	}
}
