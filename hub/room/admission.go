package room

// How a room checks ops and joins against its state, takes them to the
// log, and lets sessions in and out.

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/hub/internal/line"
	"github.com/plenary/plenary/hub/internal/token"
	"github.com/plenary/plenary/hub/replica"
	"github.com/plenary/plenary/protocol"
	"github.com/plenary/plenary/store"
)

// StoreWait is the longest an op waits for the store, from the check
// against the board to the append (docs/protocol.md): past it the op is
// answered unknown_outcome, and the client sends it again. A transport
// that waits for an op's answer waits a little longer.
const StoreWait = 3 * time.Second

// ErrUnknownOutcome answers an op that may or may not have reached the
// log: the client sends it again with the same id, and the log's
// idempotency key makes that safe.
var ErrUnknownOutcome = &board.Error{Code: protocol.CodeUnknownOutcome, Message: "the change may not have been saved: it is being sent again"}

// attachment is a session waiting to be let in once the room's state has
// reached minSeq (the seq of its own join).
type attachment struct {
	s      *Seat
	minSeq uint64
	since  uint64
	epoch  string // of since
	token  string
	// presenter marks a read-only session shown to the room (hello's
	// view "presenter"): it sees the board as participants do.
	presenter bool
}

// Check validates e against the room's state without changing it, so an
// op that is sure to be refused is never logged. This replica may lag the
// log (another instance's change is still on its way), so before refusing
// it catches up, within ctx, and checks again: the sender may have seen a
// note or theme that this instance has not applied yet.
//
// It also returns the epoch of the state it checked against, for the
// append. An op waits for the room no longer than ctx: a room catching up
// with a stalled store may be busy for seconds, and the op is then
// answered unknown_outcome (an earlier try of it may have been applied).
//
// The op goes ahead of the room's other work once the room has let its
// sender in; before that it queues behind the sender's own admission, so
// the sender is in the room to be answered when the op is applied.
func (r *Room) Check(ctx context.Context, s *Seat, e board.Entry) (string, *board.Error) {
	type checked struct {
		epoch string
		bad   *board.Error
	}
	result := make(chan checked, 1) // the room never waits for the op
	post := r.post
	if s.in.Load() {
		post = r.postOp
	}
	if !post(func() {
		c := checked{epoch: r.replica.Epoch()}
		if r.replica.Check(e) != nil {
			r.catchUp(ctx)
			c.epoch = r.replica.Epoch()
			c.bad = r.replica.Check(e)
		}
		result <- c
	}) {
		return "", ErrUnknownOutcome
	}
	select {
	case c := <-result:
		return c.epoch, c.bad
	case <-r.done:
	case <-ctx.Done():
	}
	return "", ErrUnknownOutcome
}

// Append makes e durable in the board's log under the op's key, in the
// epoch of the room's state it was checked against, and hands e, as the
// log holds it, to the room: the one way an entry this instance appends
// reaches its room. dup says the log took the op before, at seq, and
// appended nothing.
//
// When the log is not of that epoch (Redis lost the board, and it is
// being given back from the instances' copies), the op waits for the room
// to reload the board as it was given back, and goes on top of it.
func (r *Room) Append(ctx context.Context, epoch, key string, e board.Entry) (seq uint64, dup bool, bad *board.Error) {
	e, data, err := replica.EncodeEntry(e)
	if err != nil {
		return 0, false, &board.Error{Code: board.CodeBadOp, Message: fmt.Sprintf("cannot encode op: %v", err)}
	}
	for {
		seq, dup, err := r.env.Log.Append(ctx, r.id, epoch, key, data)
		if errors.Is(err, store.ErrReset) || errors.Is(err, store.ErrRestoring) {
			if epoch, err = r.epochAfter(ctx, epoch); err == nil {
				continue
			}
		}
		if err != nil {
			// The entry may be in the log all the same, and nothing
			// else brings it to this room.
			r.missed.Store(true)
			r.env.Logger.Warn("append", "board", r.id, "err", err)
			return 0, false, ErrUnknownOutcome
		}
		if !dup {
			e.Seq = seq
			r.receive(e, epoch)
		}
		return seq, dup, nil
	}
}

// checkJoin is check for a join, which also needs the passcode. It also
// returns the board's participant offset, which names the newcomer (see
// board.ParticipantID) and is set once, when the board is created.
func (r *Room) checkJoin(e board.Entry, passcode string) (epoch string, offset uint64, bad *board.Error) {
	if !r.call(func() {
		st := r.replica.State()
		epoch, offset = r.replica.Epoch(), st.ParticipantOffset
		want := st.Info.Settings.Passcode
		if want != "" && !equalSecret(want, passcode) {
			bad = &board.Error{Code: protocol.CodeBadPasscode, Message: "that passcode is not right"}
			return
		}
		bad = r.replica.Check(e)
	}) {
		return "", 0, &board.Error{Code: protocol.CodeUnavailable, Message: "the workshop was closed: reconnect"}
	}
	return epoch, offset, bad
}

// Attach lets the session id in, on l, as the participant key names,
// once the state holds them, in the participants' view if presenter.
// since, in epoch, is the last seq it holds. It refuses a token that is
// forged, expired or for another board, and a presenter key unless
// presenter.
func (r *Room) Attach(id uint64, l *line.Line, key string, presenter bool, since uint64, epoch string) (*Seat, *board.Error) {
	participant, err := r.env.Tokens.Open(key, r.id, time.Now())
	if err != nil {
		return nil, errBadLink
	}
	if participant == token.Presenter && !presenter {
		return nil, errPresenterOnly
	}
	s := &Seat{Line: l, id: id, participant: participant}
	r.attach(attachment{s: s, since: since, epoch: epoch, token: key, presenter: presenter})
	return s, nil
}

// AttachNewcomer makes a newcomer of j, as a hello with a join asks, and
// lets the session id in, on l, as them once the state holds their join.
func (r *Room) AttachNewcomer(ctx context.Context, id uint64, l *line.Line, j protocol.Join) (*Seat, *board.Error) {
	participant, seq, bad := r.join(ctx, j, "")
	if bad != nil {
		return nil, bad
	}
	s := &Seat{Line: l, id: id, participant: participant}
	r.attach(attachment{s: s, minSeq: seq, token: r.env.Tokens.Issue(r.id, participant, time.Now())})
	return s, nil
}

// AttachSender lets the session id in, on l, as participant's sender of
// one POST's frames: it is sent the answers to them, not the board. It
// refuses a participant the board does not hold; a presenter key's
// sender, a projector on the fallback, is let in to be answered its pings
// (its session refuses the rest).
func (r *Room) AttachSender(id uint64, l *line.Line, participant string) (*Seat, error) {
	s := &Seat{Line: l, id: id, participant: participant, poster: true}
	var refusal error
	if !r.call(func() {
		p := r.replica.State().Participants[participant]
		switch {
		case p != nil:
			s.facilitator = p.Facilitator
		case !s.byPresenterKey():
			refusal = errStranger
			return
		}
		r.posters[s.id] = s
		s.in.Store(true)
	}) {
		return nil, errClosed
	}
	if refusal != nil {
		return nil, refusal
	}
	return s, nil
}

// attach lets a.s in once the state holds its participant.
func (r *Room) attach(a attachment) {
	s := a.s
	if !r.post(func() {
		if a.minSeq == 0 && !s.byPresenterKey() {
			ctx, cancel := context.WithTimeout(context.Background(), StoreWait)
			r.lookUp(ctx, s.participant)
			cancel()
		}
		r.waiting = append(r.waiting, a)
		r.admitWaiting()
	}) {
		s.Close(protocol.CloseGoingAway, "the workshop was closed: reconnect")
	}
}

// lookUp returns participant from the room's state, reading the log first
// if the state does not hold them: a token may name a newcomer who joined
// through another instance a moment ago (POST /join answers once that
// instance has applied the join), before this one has heard of it. It
// runs on the room's goroutine.
func (r *Room) lookUp(ctx context.Context, participant string) *board.Participant {
	if p := r.replica.State().Participants[participant]; p != nil {
		return p
	}
	r.catchUp(ctx)
	return r.replica.State().Participants[participant]
}

func (r *Room) admitWaiting() {
	if len(r.waiting) == 0 {
		return
	}
	r.waiting = slices.DeleteFunc(r.waiting, func(a attachment) bool {
		if a.minSeq > r.replica.Seq() {
			return false
		}
		r.admit(a)
		return true
	})
}

func (r *Room) admit(a attachment) {
	s := a.s
	p := r.replica.State().Participants[s.participant]
	switch {
	case s.byPresenterKey():
		// A projector's seat is nobody: no record, no id (its
		// welcome's you is ""), not the facilitator, and not counted
		// online, since a projector is not a person.
		p = &board.Participant{}
	case p == nil && a.minSeq > 0:
		// A join the log took and Apply refused. checkJoin passed it,
		// so what changed meanwhile is that joins racing it took the
		// board's last places.
		s.Refuse("", errBoardFull)
		s.Close(protocol.CloseBadHello, errBoardFull.Message)
		return
	case p == nil:
		s.Refuse("", &board.Error{Code: protocol.CodeBadToken, Message: "you are not a participant of this workshop: join again"})
		s.Close(protocol.CloseBadToken, "unknown participant")
		return
	default:
		r.presence.Join(p.ID)
	}
	// A presenter is watched by the room, so it gets the participants'
	// view even on a facilitator's token.
	s.facilitator = p.Facilitator && !a.presenter
	r.clients[s.id] = s
	s.in.Store(true)
	r.env.Metrics.Sessions.Add(1)
	s.Enqueue(protocol.Encode(protocol.Welcome{T: "welcome", Board: r.id, You: p.ID, Token: a.token, Facilitator: s.facilitator, Now: time.Now()}))
	r.sendState(s, a.since, a.epoch)
	r.admitted(s)
	s.Enqueue(r.presence.Full())
}

// Leave forgets s when its connection ends: the room then no longer
// counts it online nor sends it anything.
func (r *Room) Leave(s *Seat) {
	r.post(func() {
		if s.poster {
			delete(r.posters, s.id)
			return
		}
		if r.clients[s.id] != s {
			return
		}
		delete(r.clients, s.id)
		r.env.Metrics.Sessions.Add(-1)
		if !s.byPresenterKey() {
			r.presence.Leave(s.participant)
		}
		if len(r.clients) == 0 {
			r.idle = time.Now()
		}
	})
}

func equalSecret(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
