package room

import (
	"sync/atomic"

	"github.com/plenary/plenary/hub/internal/line"
	"github.com/plenary/plenary/hub/internal/token"
	"github.com/plenary/plenary/hub/replica"
)

// Seat is a session's place in its room, which the room makes when it
// lets the session in (Attach, AttachNewcomer, AttachSender) and hands
// back: the session's id (the middle of its ops' refs), the participant
// it is, what they may see, and the line to its client, which the room
// fills. participant and poster are set before the room holds the seat
// and never change; facilitator belongs to the room's goroutine.
type Seat struct {
	*line.Line
	id          uint64
	participant string
	facilitator bool
	// poster marks the sender of one POST's frames (AttachSender), which
	// the room keeps apart from its screens.
	poster bool
	// in is set by the room once it has let the seat in, and by then it
	// answers the seat's ops: they may go ahead of its other work (Check).
	in atomic.Bool
}

// Participant is who sits in s.
func (s *Seat) Participant() string { return s.participant }

// byPresenterKey reports whether s was opened by a presenter key: a
// projector's seat, nobody's, with no participant record, never counted
// online.
func (s *Seat) byPresenterKey() bool { return s.participant == token.Presenter }

// viewer is who s shows the board to, for the frames the room sends it.
// It runs on the room's goroutine, which owns facilitator.
func (s *Seat) viewer() replica.Viewer {
	return replica.Viewer{Participant: s.participant, Facilitator: s.facilitator}
}
