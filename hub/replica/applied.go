package replica

import (
	"iter"
	"maps"
	"time"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/protocol"
)

// What each viewer is sent. A board has two shared views: participants'
// and facilitators' (hidden tallies and anonymous authors differ). Every
// change is encoded once per view and the same bytes go to every screen of
// that view; only the few screens owed something of their own (the
// sender's acknowledgement, a participant's own votes) get frames encoded
// for them.

// View is which shared view a screen gets.
type View int

const (
	Participants View = iota
	Facilitators
)

// Viewer is who a screen shows the board to.
type Viewer struct {
	Participant string
	// Facilitator is false for a facilitator's presenter view, which
	// the room watches.
	Facilitator bool
}

// View is the shared view v gets.
func (v Viewer) View() View {
	if v.Facilitator {
		return Facilitators
	}
	return Participants
}

// sharedIn reports whether c belongs to view v's shared frames. Changes
// addressed to one participant are never shared.
func sharedIn(c board.Change, v View) bool {
	return c.Audience != board.Owner && c.Visible("", v == Facilitators)
}

// Applied is an entry the replica applied, with its change frame for each
// shared view encoded once, or one it refused. The replica keeps the
// recent ones so a client that resumes is sent the very same bytes, and a
// client that sends an op again gets the answer it got the first time.
type Applied struct {
	Seq   uint64
	Actor string
	// Ref is the entry's ref (board.Entry), which names the op's sender
	// and, with Actor, its idempotency key: a store that lost the log is
	// given the recent keys back with the board.
	Ref string
	// Refusal is why Apply refused the entry; it has no frames then.
	Refusal *board.Error

	at time.Time
	// changes are the entry's changes. The recent entries keep them only
	// when some are addressed to one participant (owners): anyone else
	// sees exactly their view's shared frame, so the history holds bytes,
	// not every change's value for the collector to trace.
	changes []board.Change
	// frames are the chg frames of each view; where a view sees none of
	// the changes, it is the placeholder.
	frames [2][]byte
	// owners are the participants some change is addressed to alone.
	owners map[string]bool
}

func newApplied(e board.Entry, changes []board.Change) Applied {
	a := Applied{Seq: e.Seq, Actor: e.Actor, Ref: e.Ref, at: e.At, changes: changes}
	for _, c := range changes {
		if c.Audience == board.Owner {
			if a.owners == nil {
				a.owners = map[string]bool{}
			}
			a.owners[c.Owner] = true
		}
	}
	// Each view's frame is encoded once and shared by its screens. Only
	// facilitators are told who acted: a participant's screen has no use
	// for it, and it would say who wrote a note on an anonymous board, or
	// who is voting while tallies are hidden.
	for v := range a.frames {
		if shared := a.sharedChanges(View(v)); shared != nil {
			a.frames[v] = protocol.Encode(protocol.Chg[board.Change]{T: "chg", Seq: a.Seq, By: a.actorFor(View(v) == Facilitators), At: a.at, Changes: shared})
		} else {
			a.frames[v] = a.placeholder()
		}
	}
	return a
}

// kept is a as the recent entries keep it.
func (a *Applied) kept() Applied {
	k := *a
	if k.owners == nil {
		k.changes = nil
	}
	return k
}

// sharedChanges is what every screen of view v sees of a, as changes.
func (a *Applied) sharedChanges(v View) []board.Change {
	var out []board.Change
	for _, c := range a.changes {
		if sharedIn(c, v) {
			out = append(out, c)
		}
	}
	return out
}

// Shared is view v's frame of a, the same bytes for every screen of v
// that is owed nothing of its own (see Owners).
func (a *Applied) Shared(v View) []byte { return a.frames[v] }

// Owners are the participants some change of a is addressed to alone:
// their screens are sent frames of their own (FrameFor).
func (a *Applied) Owners() iter.Seq[string] { return maps.Keys(a.owners) }

// placeholder is the chg frame of an entry for a viewer who may see none
// of its changes (a dot cast while tallies are hidden): no changes and no
// actor, only the seq, so every seq reaches every viewer and no gap counts
// what they may not see.
func (a *Applied) placeholder() []byte {
	return protocol.Encode(protocol.Chg[board.Change]{T: "chg", Seq: a.Seq, At: a.at, Changes: []board.Change{}})
}

// chgPrefix is how every encoded chg frame begins (protocol.Chg's first
// field), where withRef puts the ref.
const chgPrefix = `{"t":"chg",`

// withRef is a shared chg frame with the sender's ref added: the
// acknowledgement costs a copy, not another encoding of the changes.
func withRef(shared []byte, ref string) []byte {
	quoted := protocol.Encode(ref)
	frame := make([]byte, 0, len(shared)+len(quoted)+len(`"ref":,`))
	frame = append(frame, chgPrefix...)
	frame = append(frame, `"ref":`...)
	frame = append(frame, quoted...)
	frame = append(frame, ',')
	return append(frame, shared[len(chgPrefix):]...)
}

// FrameFor is what v is sent of a: its view's shared frame, with ref
// added when v is owed an acknowledgement, or a frame of its own when a
// change is v's alone. Every entry sends v a frame, the placeholder when
// v may see nothing of it.
func (a *Applied) FrameFor(v Viewer, ref string) []byte {
	if !a.owners[v.Participant] {
		// No change is v's alone, so v sees its view's shared frame.
		shared := a.frames[v.View()]
		if ref == "" {
			return shared
		}
		return withRef(shared, ref)
	}
	visible := make([]board.Change, 0, len(a.changes))
	for _, c := range a.changes {
		if c.Visible(v.Participant, v.Facilitator) {
			visible = append(visible, c)
		}
	}
	return protocol.Encode(protocol.Chg[board.Change]{T: "chg", Seq: a.Seq, Ref: ref, By: a.actorFor(v.Facilitator), At: a.at, Changes: visible})
}

// actorFor is the by of a's frames: the actor for a facilitator, no one
// for a participant.
func (a *Applied) actorFor(facilitator bool) string {
	if facilitator {
		return a.Actor
	}
	return ""
}
