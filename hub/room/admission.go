package room

// How a room checks ops and joins against its state, and lets sessions in
// and out.

import (
	"context"
	"crypto/subtle"
	"slices"
	"time"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/protocol"
)

// attachment is a session waiting to be let in once the room's state has
// reached minSeq (the seq of its own join).
type attachment struct {
	s      *session
	minSeq uint64
	since  uint64
	epoch  string // of since
	token  string
}

// check validates e against the room's state without changing it, so an
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
func (r *Room) check(ctx context.Context, s *session, e board.Entry) (string, *board.Error) {
	type checked struct {
		epoch string
		bad   *board.Error
	}
	result := make(chan checked, 1) // the room never waits for the op
	post := r.post
	if s.inRoom.Load() {
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
		return "", errUnknownOutcome
	}
	select {
	case c := <-result:
		return c.epoch, c.bad
	case <-r.done:
	case <-ctx.Done():
	}
	return "", errUnknownOutcome
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

// attach lets s in once the state holds its participant. since, in epoch,
// is the last seq s holds.
func (r *Room) attach(s *session, minSeq, since uint64, epoch, token string) {
	if !r.post(func() {
		if minSeq == 0 {
			ctx, cancel := context.WithTimeout(context.Background(), StoreWait)
			r.lookUp(ctx, s.participant)
			cancel()
		}
		r.waiting = append(r.waiting, attachment{s: s, minSeq: minSeq, since: since, epoch: epoch, token: token})
		r.admitWaiting()
	}) {
		s.close(protocol.CloseGoingAway, "the workshop was closed: reconnect")
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
	case p == nil && a.minSeq > 0:
		// A join the log took and Apply refused. checkJoin passed it,
		// so what changed meanwhile is that joins racing it took the
		// board's last places.
		s.refuse("", errBoardFull)
		s.close(protocol.CloseBadHello, errBoardFull.Message)
		return
	case p == nil:
		s.refuse("", &board.Error{Code: protocol.CodeBadToken, Message: "you are not a participant of this workshop: join again"})
		s.close(protocol.CloseBadToken, "unknown participant")
		return
	}
	// A presenter is watched by the room, so it gets the participants'
	// view even on a facilitator's token.
	s.facilitator = p.Facilitator && !s.presenter
	r.clients[s.id] = s
	s.inRoom.Store(true)
	r.presence.Join(p.ID)
	r.env.Metrics.Sessions.Add(1)
	s.enqueue(protocol.Encode(protocol.Welcome{T: "welcome", Board: r.id, You: p.ID, Token: a.token, Facilitator: s.facilitator, Now: time.Now()}))
	r.sendState(s, a.since, a.epoch)
	r.admitted(s)
	s.enqueue(r.presence.Full())
}

// detach forgets s when its connection ends.
func (r *Room) detach(s *session) {
	r.post(func() {
		if r.clients[s.id] != s {
			return
		}
		delete(r.clients, s.id)
		r.env.Metrics.Sessions.Add(-1)
		r.presence.Leave(s.participant)
		if len(r.clients) == 0 {
			r.idle = time.Now()
		}
	})
}

func equalSecret(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
