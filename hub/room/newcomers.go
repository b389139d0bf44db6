package room

// How a newcomer joins a board: in a hello with a join, or with Join
// (POST /api/boards/:id/join). The web app joins over HTTP, and then
// opens the board with the token as a returning participant does, so the
// first board comes gzipped (Snapshot) rather than whole over the socket.

import (
	"context"
	"fmt"
	"time"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/protocol"
)

// join checks j against r's board (the passcode, the name and role, the
// places left) and appends the newcomer's participant.join under key, the
// join's idempotency key ("" for none). It returns the newcomer's
// participant id and the seq of their join. A join the log took under key
// before is that newcomer again: nothing is appended, even if the board
// as it is now would refuse them (its last places taken since).
func (r *Room) join(ctx context.Context, j protocol.Join, key string) (participant string, seq uint64, bad *board.Error) {
	ctx, cancel := context.WithTimeout(ctx, StoreWait)
	defer cancel()
	e := board.Entry{At: time.Now(), Op: board.Op{Kind: board.ParticipantJoin, Name: j.Name, Role: j.Role}}
	epoch, offset, bad := r.checkJoin(e, j.Passcode)
	if bad != nil && key != "" && bad.Code != protocol.CodeBadPasscode && bad.Code != protocol.CodeUnavailable {
		seq, err := r.env.Log.SeqOf(ctx, r.id, key)
		switch {
		case err != nil:
			r.env.Logger.Warn("look up join", "board", r.id, "err", err)
			return "", 0, ErrUnknownOutcome
		case seq != 0:
			return board.ParticipantID(seq, offset), seq, nil
		}
	}
	if bad != nil {
		return "", 0, bad
	}
	seq, _, bad = r.Append(ctx, epoch, key, e)
	if bad != nil {
		return "", 0, bad
	}
	return board.ParticipantID(seq, offset), seq, nil
}

// joinKey is the log's idempotency key of an HTTP join whose client gave
// it id. No participant's op key starts so (see opKey).
func joinKey(id string) string { return "join/" + id }

// Join makes a newcomer of j, as a hello with a join does, and returns
// the session token that names them and their participant id. id is the
// one the client drew for this join: a join sent again with it is the same
// newcomer (joinKey). It answers once this instance's replica holds the
// newcomer, so the token opens the board's snapshot and socket at once.
// A refusal is a *board.Error.
func (r *Room) Join(ctx context.Context, j protocol.Join, id string) (token, participant string, err error) {
	if id == "" || len(id) > protocol.MaxOpID {
		return "", "", &board.Error{Code: protocol.CodeBadFrame, Message: fmt.Sprintf("a join needs an id of 1 to %d characters", protocol.MaxOpID)}
	}
	participant, seq, bad := r.join(ctx, j, joinKey(id))
	if bad == nil {
		bad = r.joined(ctx, seq, participant)
	}
	if bad != nil {
		r.env.Metrics.Refused(bad.Code)
		return "", "", bad
	}
	return r.env.Tokens.Issue(r.id, participant, time.Now()), participant, nil
}

// joined waits, within ctx, for the room to apply the log up to seq, a
// join's, and says whether that made participant: the log may take a
// join that Apply then refuses, when joins racing it took the board's
// last places.
func (r *Room) joined(ctx context.Context, seq uint64, participant string) *board.Error {
	var caughtUp, in bool
	if !r.call(func() {
		if r.replica.Seq() < seq {
			r.catchUp(ctx)
		}
		caughtUp, in = r.replica.Seq() >= seq, r.replica.State().Participants[participant] != nil
	}) || !caughtUp {
		return ErrUnknownOutcome
	}
	if !in {
		return errBoardFull
	}
	return nil
}

// errBoardFull refuses a join the log took when the board had no place
// left for it.
var errBoardFull = &board.Error{Code: board.CodeTooMany, Message: fmt.Sprintf("the board is full: %d participants", board.MaxParticipants)}
