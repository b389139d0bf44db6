package room

// How a room passes on what is not logged: drags, cursors and presence.

import (
	"bytes"
	"encoding/json"
	"time"

	"github.com/plenary/plenary/board"
)

// Ephemeral passes a drag or cursor on to the board's other sessions here
// and, through the store, on other instances.
func (r *Room) Ephemeral(from *Seat, frame []byte) {
	if r.tryPost(func() { r.fanOutEphemeral(from, from.participant, frame) }) {
		r.publish(frame)
	}
}

// publish hands an ephemeral frame to the hub's publisher for the board's
// other instances, never waiting: a lost drag position is replaced by the
// next one.
func (r *Room) publish(frame []byte) { r.env.Publish(r.id, frame) }

// fanOutEphemeral passes a drag or cursor on to the sessions that can see
// it: in brainstorm a participant's drag is on their group's chart, which
// only the group and the facilitators have open; from share on, the whole
// plenary watches. from is the sending session when it is on this
// instance; sender is the participant it came from.
func (r *Room) fanOutEphemeral(from *Seat, sender string, frame []byte) {
	key := ephKey(frame)
	st := r.replica.State()
	group := ""
	if p := st.Participants[sender]; p != nil && st.Info.Phase == board.Brainstorm {
		group = p.Group
	}
	for _, s := range r.clients {
		if s == from {
			continue
		}
		if group != "" && !s.facilitator {
			if p := st.Participants[s.participant]; p == nil || p.Group != group {
				continue
			}
		}
		s.EnqueueEphemeral(frame, key)
	}
}

// ephKey is what an ephemeral frame is about (who, what kind, which note,
// theme or chart): all of it but the position, which ephFrame puts last.
// A newer frame of the same key makes an older one worthless.
func ephKey(frame []byte) string {
	if i := bytes.Index(frame, []byte(`,"x":`)); i >= 0 {
		return string(frame[:i])
	}
	return string(frame)
}

// senderOf reads who sent an ephemeral frame from another instance.
func senderOf(frame []byte) string {
	var f struct {
		From string `json:"from"`
	}
	_ = json.Unmarshal(frame, &f) // a frame we cannot read goes to everyone
	return f.From
}

// sendPresence tells this instance's clients who came and who left, when
// that is due, and tells other instances who is online here. Unlike drags,
// presence goes through the logged queue: a client that missed a change
// would hold a wrong list until it reconnected.
func (r *Room) sendPresence(now time.Time) {
	frame, part := r.presence.Tick(r.env.Instance, now)
	if frame != nil {
		for _, s := range r.clients {
			s.Enqueue(frame)
		}
	}
	if part != nil {
		r.publish(part)
	}
}
