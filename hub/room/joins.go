package room

import (
	"bytes"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/hub/replica"
)

// maxHeldJoins bounds the joins a room holds back before it sends them
// anyway, so a batch stays under about 160 KB. It is above what a batch
// of ticks gathers in a storm (500 joins a second), so a storm's joins
// go out on the ticks alone: at 256, a room of thousands filled a batch
// twice a second, and a storm of 5,000 cost a sixth more write()s.
const maxHeldJoins = 1024

// heldJoins is the participant joins a room has applied but not yet sent
// to its sessions. Sent one by one, a storm of joins costs every session a
// write per join: 5,000 people joining a room is 12.5 million frames, and
// the writes of everything else, the facilitator's acknowledgements
// included, wait behind them. Held, they go to each session together once
// a batch of ticks (ticksPerBatch: a second, in a room of thousands): to
// a facilitator's as one queued item of one line per change frame, to a
// participant's as one frame standing for them all (replica.Batch). What the room
// applies while joins are held waits with them, except for its sender
// (holdWithJoins): every session still gets every seq, in order, and
// learns of a newcomer, or of another's change made during a storm of
// joins, within a batch, as it does of who is online.
type heldJoins struct {
	first, last uint64 // the seqs held, first to last (none held while last is 0)
	// facilitators is the facilitators' view's frames, one per line;
	// participants is the participants' view's one frame of them all.
	facilitators bytes.Buffer
	participants replica.Batch
	// admitted is the sessions let in while joins were held, and the seq
	// their state was sent up to: they hold some or all of the joins.
	admitted map[uint64]uint64
	// owned is set when a held join has a change for one participant
	// alone: its sessions are sent their own frames.
	owned map[string]bool
}

// holds reports whether a's fan-out may wait: a join, whose changes
// (the newcomer, and the newcomer's own votes) no session of this room
// is waiting on.
func holds(e board.Entry) bool { return e.Op.Kind == board.ParticipantJoin }

// hold keeps a, a join or an entry applied while joins are held, to be
// sent with the next batch.
func (r *Room) hold(a *replica.Applied) {
	j := &r.joins
	if j.last == 0 {
		j.first = a.Seq
	}
	j.last = a.Seq
	if j.facilitators.Len() > 0 {
		j.facilitators.WriteByte('\n')
	}
	j.facilitators.Write(a.Shared(replica.Facilitators))
	j.participants.Add(a)
	for owner := range a.Owners() {
		if j.owned == nil {
			j.owned = map[string]bool{}
		}
		j.owned[owner] = true
	}
	if a.Seq-j.first+1 >= maxHeldJoins {
		r.sendJoins(nil)
	}
}

// holdWithJoins answers sender now, with the joins held before a, and
// holds a for everyone else, to go with the joins at the next flush.
// Sending everyone a at once (and the joins before it) would add a write
// to every screen for each op: in a storm of joins, two or three times
// the writes the ticks alone make, and the writes a facilitator's next op
// waits behind.
func (r *Room) holdWithJoins(sender *Seat, a *replica.Applied, clientRef string) {
	switch {
	case sender != nil && r.clients[sender.id] == sender:
		r.sendJoinsTo(sender)
		sender.EnqueueAnswer(a.FrameFor(sender.viewer(), clientRef))
		r.admitted(sender)
	case sender != nil: // a POSTed frame's sender, owed no joins
		sender.EnqueueAnswer(a.FrameFor(sender.viewer(), clientRef))
	}
	r.hold(a)
}

// admitted notes that s was sent the board up to the room's seq while
// joins were held.
func (r *Room) admitted(s *Seat) {
	j := &r.joins
	if j.last == 0 {
		return
	}
	if j.admitted == nil {
		j.admitted = map[uint64]uint64{}
	}
	j.admitted[s.id] = r.replica.Seq()
}

// sendJoins sends every session the joins held for it, first's before
// anyone's: first is owed an answer that must follow them, and is waiting
// on it (nil when nobody is). A sender that is not a screen here (a
// POSTed frame's) is owed no joins.
func (r *Room) sendJoins(first *Seat) {
	j := &r.joins
	if j.last == 0 {
		return
	}
	if first != nil && r.clients[first.id] == first {
		r.sendJoinsTo(first)
	}
	for _, s := range r.clients {
		if s != first {
			r.sendJoinsTo(s)
		}
	}
	r.dropJoins()
}

// sendJoinsTo sends s the joins held for it.
func (r *Room) sendJoinsTo(s *Seat) {
	j := &r.joins
	from, late := j.admitted[s.id]
	switch {
	case late && from >= j.last:
	case late || j.owned[s.participant]:
		r.replica.After(max(from, j.first-1), func(a *replica.Applied) {
			if a.Refusal == nil && a.Seq <= j.last {
				s.Enqueue(a.FrameFor(s.viewer(), ""))
			}
		})
	case s.viewer().View() == replica.Facilitators:
		s.Enqueue(j.facilitators.Bytes())
	default:
		s.Enqueue(j.participants.Frame())
	}
}

// dropJoins forgets the joins held: every session has them, or has been
// sent the board since.
func (r *Room) dropJoins() {
	j := &r.joins
	*j = heldJoins{} // the sessions' queues hold the bodies sent
}
