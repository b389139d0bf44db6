package hub

// How a newcomer joins a board: in a websocket hello with a join, or with
// POST /api/boards/:id/join. The web app joins over HTTP, and then opens
// the board with the token as a returning participant does, so the first
// board comes gzipped (boardSnapshot) rather than whole over the socket.

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/protocol"
)

// join checks j against r's board (the passcode, the name and role, the
// places left) and appends the newcomer's participant.join under key, the
// join's idempotency key ("" for none). It returns the newcomer's
// participant id and the seq of their join. A join the log took under key
// before is that newcomer again: nothing is appended, even if the board
// as it is now would refuse them (its last places taken since).
func (h *Hub) join(ctx context.Context, r *room, j protocol.Join, key string) (participant string, seq uint64, bad *board.Error) {
	ctx, cancel := context.WithTimeout(ctx, storeWait)
	defer cancel()
	e := board.Entry{At: time.Now(), Op: board.Op{Kind: board.ParticipantJoin, Name: j.Name, Role: j.Role}}
	epoch, offset, bad := r.checkJoin(e, j.Passcode)
	if bad != nil && key != "" && bad.Code != protocol.CodeBadPasscode && bad.Code != protocol.CodeUnavailable {
		seq, err := h.log.SeqOf(ctx, r.id, key)
		switch {
		case err != nil:
			h.logger.Warn("look up join", "board", r.id, "err", err)
			return "", 0, errUnknownOutcome
		case seq != 0:
			return board.ParticipantID(seq, offset), seq, nil
		}
	}
	if bad != nil {
		return "", 0, bad
	}
	seq, _, bad = h.append(ctx, r, epoch, key, e)
	if bad != nil {
		return "", 0, bad
	}
	return board.ParticipantID(seq, offset), seq, nil
}

// joinKey is the log's idempotency key of an HTTP join whose client gave
// it id. No participant's op key starts so (see opKey).
func joinKey(id string) string { return "join/" + id }

// joinRequest is the body of POST /api/boards/:id/join: the hello's join,
// and the id the client drew for this join, which a retry sends again.
type joinRequest struct {
	protocol.Join
	ID string `json:"id"`
}

type joinResponse struct {
	Token string `json:"token"`
	You   string `json:"you"`
}

// joinBoard serves POST /api/boards/:id/join. It answers once this
// instance's replica holds the newcomer, so the token opens the board's
// snapshot and socket at once.
func (h *Hub) joinBoard(c echo.Context) error {
	if err := h.checkOrigin(c.Request()); err != nil {
		return err
	}
	r, err := h.loadRoom(c)
	if err != nil {
		return err
	}
	body, err := readBody(c, maxFrame)
	if err != nil {
		return err
	}
	var req joinRequest
	if err := protocol.Strict(body, &req); err != nil {
		return refuseHTTP(http.StatusBadRequest, protocol.CodeBadFrame, err.Error())
	}
	if req.ID == "" || len(req.ID) > maxRefLen {
		return refuseHTTP(http.StatusBadRequest, protocol.CodeBadFrame, fmt.Sprintf("a join needs an id of 1 to %d characters", maxRefLen))
	}
	ctx := c.Request().Context()
	participant, seq, bad := h.join(ctx, r, req.Join, joinKey(req.ID))
	if bad == nil {
		bad = r.joined(ctx, seq, participant)
	}
	if bad != nil {
		h.metrics.refused(bad.Code)
		return refuseHTTP(joinStatus(bad.Code), bad.Code, bad.Message)
	}
	return c.JSON(http.StatusOK, joinResponse{Token: h.tokens.issue(r.id, participant, time.Now()), You: participant})
}

// joinStatus is the HTTP status of a refused join.
func joinStatus(code string) int {
	switch code {
	case protocol.CodeBadPasscode:
		return http.StatusForbidden
	case board.CodeTooMany:
		return http.StatusConflict
	case protocol.CodeUnavailable, protocol.CodeUnknownOutcome:
		return http.StatusServiceUnavailable
	}
	return http.StatusBadRequest
}

// joined waits, within ctx, for the room to apply the log up to seq, a
// join's, and says whether that made participant: the log may take a
// join that Apply then refuses, when joins racing it took the board's
// last places.
func (r *room) joined(ctx context.Context, seq uint64, participant string) *board.Error {
	var caughtUp, in bool
	if !r.call(func() {
		if r.replica.Seq() < seq {
			r.catchUp(ctx)
		}
		caughtUp, in = r.replica.Seq() >= seq, r.replica.State().Participants[participant] != nil
	}) || !caughtUp {
		return errUnknownOutcome
	}
	if !in {
		return errBoardFull
	}
	return nil
}

// errBoardFull refuses a join the log took when the board had no place
// left for it.
var errBoardFull = &board.Error{Code: board.CodeTooMany, Message: fmt.Sprintf("the board is full: %d participants", board.MaxParticipants)}
