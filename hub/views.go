package hub

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"time"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/protocol"
)

// What each viewer is sent. A board has two shared views: participants'
// and facilitators' (hidden tallies and anonymous authors differ). Every
// change is encoded once per view and the same bytes go to every session of
// that view; only the few sessions owed something of their own (the
// sender's acknowledgement, a participant's own votes) get frames encoded
// for them.

// view is which shared view a session gets.
type view int

const (
	participantView view = iota
	facilitatorView
)

func viewOf(s *session) view {
	if s.facilitator {
		return facilitatorView
	}
	return participantView
}

// sharedIn reports whether c belongs to view v's shared frames. Changes
// addressed to one participant are never shared.
func sharedIn(c board.Change, v view) bool {
	return c.Audience != board.Owner && c.Visible("", v == facilitatorView)
}

// applied is an entry the room applied, with its change frame for each
// shared view encoded once, or one it refused. The room keeps the recent
// ones so a client that resumes is sent the very same bytes, and a client
// that sends an op again gets the answer it got the first time.
type applied struct {
	seq uint64
	by  string
	at  time.Time
	// key is the op's idempotency key (opKeyOf), kept so that a store
	// that lost the log can be given the recent ones back with the board.
	key string
	// refusal is why Apply refused the entry; it has no frames then.
	refusal *board.Error
	// changes are kept only when some are addressed to one participant
	// (owners): anyone else sees exactly their view's shared frame, so
	// the room's history holds bytes, not every change's value for the
	// collector to trace.
	changes []board.Change
	// frames are the chg frames of each view; where a view sees none of
	// the changes, it is the placeholder.
	frames [2][]byte
	// owners are the participants some change is addressed to alone.
	owners map[string]bool
}

func newApplied(e board.Entry, changes []board.Change) applied {
	a := applied{seq: e.Seq, by: e.Actor, at: e.At, key: opKeyOf(e), changes: changes}
	for _, c := range changes {
		if c.Audience == board.Owner {
			if a.owners == nil {
				a.owners = map[string]bool{}
			}
			a.owners[c.Owner] = true
		}
	}
	// Each view's frame is encoded once and shared by its sessions. Only
	// facilitators are told who acted: a participant's screen has no use
	// for it, and it would say who wrote a note on an anonymous board, or
	// who is voting while tallies are hidden.
	for v := range a.frames {
		var shared []board.Change
		for _, c := range changes {
			if sharedIn(c, view(v)) {
				shared = append(shared, c)
			}
		}
		if shared != nil {
			a.frames[v] = encode(protocol.Chg[board.Change]{T: "chg", Seq: a.seq, By: a.actorFor(view(v) == facilitatorView), At: a.at, Changes: shared})
		} else {
			a.frames[v] = a.placeholder()
		}
	}
	if a.owners == nil {
		a.changes = nil
	}
	return a
}

// placeholder is the chg frame of an entry for a viewer who may see none
// of its changes (a dot cast while tallies are hidden): no changes and no
// actor, only the seq, so every seq reaches every viewer and no gap counts
// what they may not see.
func (a *applied) placeholder() []byte {
	return encode(protocol.Chg[board.Change]{T: "chg", Seq: a.seq, At: a.at, Changes: []board.Change{}})
}

// chgPrefix is how every encoded chg frame begins (protocol.Chg's first
// field), where withRef puts the ref.
const chgPrefix = `{"t":"chg",`

// withRef is a shared chg frame with the sender's ref added: the
// acknowledgement costs a copy, not another encoding of the changes.
func withRef(shared []byte, ref string) []byte {
	quoted := encode(ref)
	frame := make([]byte, 0, len(shared)+len(quoted)+len(`"ref":,`))
	frame = append(frame, chgPrefix...)
	frame = append(frame, `"ref":`...)
	frame = append(frame, quoted...)
	frame = append(frame, ',')
	return append(frame, shared[len(chgPrefix):]...)
}

// frameFor is what s is sent of a: its view's shared frame, with ref
// added when s is owed an acknowledgement, or a frame of its own when a
// change is s's alone. Every entry sends s a frame, the placeholder when
// s may see nothing of it.
func (a *applied) frameFor(s *session, ref string) []byte {
	if !a.owners[s.participant] {
		// No change is s's alone, so s sees its view's shared frame.
		shared := a.frames[viewOf(s)]
		if ref == "" {
			return shared
		}
		return withRef(shared, ref)
	}
	visible := make([]board.Change, 0, len(a.changes))
	for _, c := range a.changes {
		if c.Visible(s.participant, s.facilitator) {
			visible = append(visible, c)
		}
	}
	return encode(protocol.Chg[board.Change]{T: "chg", Seq: a.seq, Ref: ref, By: a.actorFor(s.facilitator), At: a.at, Changes: visible})
}

// actorFor is the by of a's frames: the actor for a facilitator, no one
// for a participant.
func (a *applied) actorFor(facilitator bool) string {
	if facilitator {
		return a.by
	}
	return ""
}

func (r *room) remember(a applied) {
	r.recent.add(a)
	r.snapCache.behind += len(a.frames[participantView])
}

// broadcast sends what each session may see of an applied entry, the
// sender's acknowledgement first: the person who acted is waiting on it.
func (r *room) broadcast(e board.Entry, a applied) {
	r.hub.metrics.latency.Observe(time.Since(e.At).Seconds())
	if holds(e) {
		r.holdJoin(&a)
		return
	}
	var sender *session
	senderID, clientRef, fromHere := parseRef(r.hub.instance, e.Ref)
	if fromHere {
		sender = r.sender(senderID)
	}
	r.sendJoins(sender)
	if sender != nil {
		sender.enqueueAnswer(a.frameFor(sender, clientRef))
	}
	for _, s := range r.clients {
		if s == sender {
			continue
		}
		s.enqueue(a.frameFor(s, ""))
	}
}

// refused tells the sender, if it is connected here, why its op was
// refused when the log reached it.
func (r *room) refused(e board.Entry, refusal *board.Error) {
	if senderID, clientRef, ok := parseRef(r.hub.instance, e.Ref); ok {
		if s := r.sender(senderID); s != nil {
			s.refuse(clientRef, refusal)
		}
	}
}

// owed is an answer to an op sent again, waiting for the room to reach
// the seq the log took the op at.
type owed struct {
	s   *session
	seq uint64
	ref string
}

// answer tells s, which sent an op again under ref, what the op got the
// first time, at seq: its change frame with the ref, or its refusal. An
// op another instance appended may not have reached this room yet: the
// answer then waits for it.
func (r *room) answer(s *session, seq uint64, ref string) {
	r.post(func() {
		if seq > r.state.Seq {
			r.owed = append(r.owed, owed{s: s, seq: seq, ref: ref})
			r.missed.Store(true)
			return
		}
		r.answerNow(s, seq, ref)
	})
}

// payOwed answers the ops sent again whose seq the room has reached.
func (r *room) payOwed() {
	if len(r.owed) == 0 {
		return
	}
	r.owed = slices.DeleteFunc(r.owed, func(o owed) bool {
		if o.seq > r.state.Seq {
			return false
		}
		r.answerNow(o.s, o.seq, o.ref)
		return true
	})
}

// answerNow answers from the recent entries; an entry older than those
// gets a bare acknowledgement: s has been sent the board since, with the
// op in it.
func (r *room) answerNow(s *session, seq uint64, ref string) {
	if r.sender(s.id) != s {
		return // gone: the client sends the op again when it is back
	}
	r.sendJoins(s)
	switch a := r.recent.find(seq); {
	case a == nil:
		s.enqueueAnswer(encode(protocol.Chg[board.Change]{T: "chg", Seq: seq, Ref: ref, Changes: []board.Change{}}))
	case a.refusal != nil:
		s.refuse(ref, a.refusal)
	default:
		s.enqueueAnswer(a.frameFor(s, ref))
	}
}

// snapStale is how many entries a cached snapshot may lag the state: a
// joining client is sent the cached snapshot and then the entries after
// it, so a storm of joins re-encodes the board at most once per snapStale
// entries instead of once per join.
const snapStale = 128

// snapshotCache is the board's shared changes at seq, encoded for each
// view and joined with commas (n of them): the body of a snap frame.
type snapshotCache struct {
	valid bool
	seq   uint64
	body  [2][]byte
	n     [2]int
	// behind is the bytes of the participants' chg frames applied since
	// seq. Past a quarter of the snapshot, the cache is encoded again: a
	// few entries can outweigh the board (moving to cluster lays out
	// every note), and a newcomer sent them after the snapshot would draw
	// the board twice, once as it was and once as it is.
	behind int
	// packed is the snapshot gzipped for the HTTP endpoint, made when
	// first asked for.
	packed *packedSnapshot
}

// stale reports whether the cache is too far behind a state at seq to
// send.
func (c *snapshotCache) stale(seq uint64) bool {
	return !c.valid || seq-c.seq > snapStale || c.behind > len(c.body[participantView])/4
}

// sendState brings s up to date: the entries since its last seq when the
// room still holds them all, else a snapshot and the entries after it. A
// seq of another epoch than the room's is of another history, so it is
// sent a snapshot too.
func (r *room) sendState(s *session, since uint64, epoch string) {
	if !r.resumable(since, epoch) {
		since = r.sendSnapshot(s)
	}
	r.replay(s, since, s.enqueue)
}

// resumable reports whether the room holds every entry after since, a
// seq of epoch: a client there is sent those instead of a snapshot.
func (r *room) resumable(since uint64, epoch string) bool {
	oldest, ok := r.recent.oldest()
	return since != 0 && epoch == r.epoch && since <= r.state.Seq && ok && since+1 >= oldest
}

// replay sends what s is sent of each recent entry after seq: to its
// socket (s.enqueue), or to the snapshot endpoint's resume.
func (r *room) replay(s *session, seq uint64, send func([]byte)) {
	r.recent.after(seq, func(a *applied) { send(a.frameFor(s, "")) })
}

// sendSnapshot sends s a snapshot and returns its seq, which may be a
// little behind the state's: replay sends what follows.
func (r *room) sendSnapshot(s *session) uint64 {
	c, v := r.snapshot(), viewOf(s)
	var frame bytes.Buffer
	frame.Write(snapHead(c.seq, r.epoch))
	frame.Write(c.body[v])
	n := c.n[v]
	for _, own := range r.state.OwnChanges(s.participant) {
		if n > 0 {
			frame.WriteByte(',')
		}
		frame.Write(encode(own))
		n++
	}
	frame.WriteString(`]}`)
	s.enqueue(frame.Bytes())
	return c.seq
}

// snapshot is the cached snapshot, encoded again first if it is stale or
// the recent entries no longer follow it.
func (r *room) snapshot() *snapshotCache {
	if c := &r.snapCache; c.stale(r.state.Seq) || !r.holdsAfter(c.seq) {
		r.snapCache = r.encodeSnapshot()
	}
	return &r.snapCache
}

// snapHead is how a snap frame at seq of epoch begins, up to its first
// change.
func snapHead(seq uint64, epoch string) []byte {
	head := append([]byte(`{"t":"snap","seq":`), strconv.FormatUint(seq, 10)...)
	if epoch != "" {
		head = append(head, `,"epoch":`...)
		head = append(head, encode(epoch)...)
	}
	return append(head, `,"changes":[`...)
}

// holdsAfter reports whether the recent entries cover everything after seq.
func (r *room) holdsAfter(seq uint64) bool {
	oldest, ok := r.recent.oldest()
	return seq == r.state.Seq || (ok && oldest <= seq+1)
}

func (r *room) encodeSnapshot() snapshotCache {
	c := snapshotCache{valid: true, seq: r.state.Seq}
	shared := r.state.SharedChanges()
	for v := range c.body {
		var body bytes.Buffer
		for _, ch := range shared {
			if !sharedIn(ch, view(v)) {
				continue
			}
			b, err := json.Marshal(ch)
			if err != nil {
				r.hub.logger.Error("encode snapshot change", "board", r.id, "entity", ch.Entity, "id", ch.ID, "err", err)
				continue
			}
			if c.n[v] > 0 {
				body.WriteByte(',')
			}
			body.Write(b)
			c.n[v]++
		}
		c.body[v] = body.Bytes()
	}
	return c
}
