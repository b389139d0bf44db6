package room

// How a room tells its sessions what each may see of an entry: the
// replica encodes each entry once per view, and the same bytes go to
// every session of that view.

import (
	"slices"
	"time"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/hub/replica"
	"github.com/plenary/plenary/protocol"
)

// broadcast sends what each session may see of an applied entry, the
// sender's acknowledgement first: the person who acted is waiting on it.
func (r *Room) broadcast(e board.Entry, a *replica.Applied) {
	r.env.Metrics.Latency.Observe(time.Since(e.At).Seconds())
	if holds(e) {
		r.hold(a)
		return
	}
	var sender *Seat
	senderID, clientRef, fromHere := replica.ParseRef(r.env.Instance, e.Ref)
	if fromHere {
		sender = r.sender(senderID)
	}
	if r.joins.last != 0 {
		r.holdWithJoins(sender, a, clientRef)
		return
	}
	if sender != nil {
		sender.EnqueueAnswer(a.FrameFor(sender.viewer(), clientRef))
	}
	for _, s := range r.clients {
		if s == sender {
			continue
		}
		s.Enqueue(a.FrameFor(s.viewer(), ""))
	}
}

// refused tells the sender, if it is connected here, why its op was
// refused when the log reached it.
func (r *Room) refused(e board.Entry, refusal *board.Error) {
	if senderID, clientRef, ok := replica.ParseRef(r.env.Instance, e.Ref); ok {
		if s := r.sender(senderID); s != nil {
			s.Refuse(clientRef, refusal)
		}
	}
}

// owed is an answer to an op sent again, waiting for the room to reach
// the seq the log took the op at.
type owed struct {
	s   *Seat
	seq uint64
	ref string
}

// Answer tells s, which sent an op again under ref, what the op got the
// first time, at seq: its change frame with the ref, or its refusal. An
// op another instance appended may not have reached this room yet: the
// answer then waits for it.
func (r *Room) Answer(s *Seat, seq uint64, ref string) {
	r.post(func() {
		if seq > r.replica.Seq() {
			r.owed = append(r.owed, owed{s: s, seq: seq, ref: ref})
			r.missed.Store(true)
			return
		}
		r.answerNow(s, seq, ref)
	})
}

// payOwed answers the ops sent again whose seq the room has reached.
func (r *Room) payOwed() {
	if len(r.owed) == 0 {
		return
	}
	r.owed = slices.DeleteFunc(r.owed, func(o owed) bool {
		if o.seq > r.replica.Seq() {
			return false
		}
		r.answerNow(o.s, o.seq, o.ref)
		return true
	})
}

// answerNow answers from the recent entries; an entry older than those
// gets a bare acknowledgement: s has been sent the board since, with the
// op in it.
func (r *Room) answerNow(s *Seat, seq uint64, ref string) {
	if r.sender(s.id) != s {
		return // gone: the client sends the op again when it is back
	}
	r.sendJoins(s)
	switch a := r.replica.Find(seq); {
	case a == nil:
		s.EnqueueAnswer(protocol.Encode(protocol.Chg[board.Change]{T: "chg", Seq: seq, Ref: ref, Changes: []board.Change{}}))
	case a.Refusal != nil:
		s.Refuse(ref, a.Refusal)
	default:
		s.EnqueueAnswer(a.FrameFor(s.viewer(), ref))
	}
}

// sendState brings s up to date: the entries since its last seq when the
// room still holds them all, else a snapshot and the entries after it. A
// seq of another epoch than the room's is of another history, so it is
// sent a snapshot too.
func (r *Room) sendState(s *Seat, since uint64, epoch string) {
	if !r.replica.Resumable(since, epoch) {
		var frame []byte
		frame, since = r.replica.SnapshotFrame(s.viewer())
		s.Enqueue(frame)
	}
	r.replay(s.viewer(), since, s.Enqueue)
}

// replay sends what v is sent of each recent entry after seq: to its
// session's socket (s.Enqueue), or to the snapshot endpoint's resume.
func (r *Room) replay(v replica.Viewer, seq uint64, send func([]byte)) {
	r.replica.After(seq, func(a *replica.Applied) { send(a.FrameFor(v, "")) })
}
