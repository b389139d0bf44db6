package hub

// How a request finds a board: by its join code, and as the participant
// its bearer token names. The HTTP API and the fallback's POSTs come in
// here; what they may do with a board is in Board's methods.

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/hub/internal/token"
	"github.com/plenary/plenary/hub/room"
	"github.com/plenary/plenary/hub/session"
	"github.com/plenary/plenary/protocol"
	"github.com/plenary/plenary/store"
)

// idAlphabet makes join codes easy to read aloud and type: no 0/O, 1/I/L
// or U.
const idAlphabet = "23456789ABCDEFGHJKMNPQRSTVWXYZ"

const idLen = 6

// errNoSuchBoard refuses a request, or a hello, for a board that does not
// exist.
var errNoSuchBoard = &board.Error{Code: protocol.CodeNoBoard, Message: "there is no workshop with that code"}

// Board is a board this instance holds, as a request named it. Its state
// stays its room's: a Board only posts to the room. env is the hub's, for
// the sessions opened on it.
type Board struct {
	r   *room.Room
	env *session.Env
}

// ID is the board's join code.
func (b Board) ID() string { return b.r.ID() }

// Board loads the board whose join code is id, for a request from the
// client address addr. It refuses, as a *board.Error, a board that does
// not exist (counted against addr: see LookupWait) and a store that is
// away.
func (h *Hub) Board(ctx context.Context, id, addr string) (Board, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	r, err := h.find(ctx, strings.ToUpper(id), addr)
	switch {
	case errors.Is(err, errNoSuchBoard):
		return Board{}, errNoSuchBoard
	case err != nil:
		return Board{}, h.unavailable(err)
	}
	return Board{r: r, env: h.env}, nil
}

// Holder is Board for a request that carries a session token: it also
// names the participant the token was issued to, or refuses a token that
// is forged, expired or for another board.
func (h *Hub) Holder(ctx context.Context, id, token, addr string) (Board, string, error) {
	b, err := h.Board(ctx, id, addr)
	if err != nil {
		return Board{}, "", err
	}
	participant, err := b.r.Holder(token)
	if err != nil {
		return Board{}, "", err
	}
	return b, participant, nil
}

// Read runs fn with the board's state on the room's goroutine, which owns
// it, and returns once fn has: fn must not keep st, nor anything in it.
// It refuses a room that has closed meanwhile.
func (b Board) Read(fn func(st *board.State)) error { return b.r.Read(fn) }

// Join makes a newcomer of j, as a hello with a join does, and returns
// the session token that names them and their participant id; id, drawn
// by the client, makes a join sent again the same newcomer (room.Join).
func (b Board) Join(ctx context.Context, j protocol.Join, id string) (token, participant string, err error) {
	return b.r.Join(ctx, j, id)
}

// Snapshot is the board's first snapshot as participant is sent it over
// HTTP, gzipped, or the frames after since (room.Snapshot).
func (b Board) Snapshot(ctx context.Context, participant string, presenter bool, since uint64, epoch string) (*room.Snapshot, error) {
	return b.r.Snapshot(ctx, participant, presenter, since, epoch)
}

// PresenterKey is a presenter key for the board (token.Presenter): it
// opens the board's presenter view, on any machine, and nothing else.
// Only the facilitator, participant, may have one; it refuses anyone else
// as a *board.Error.
func (b Board) PresenterKey(participant string) (string, error) {
	var refusal *board.Error
	if err := b.r.Read(func(st *board.State) {
		switch p := st.Participants[participant]; {
		case p == nil:
			refusal = &board.Error{Code: protocol.CodeBadToken, Message: "you are not a participant of this workshop"}
		case !p.Facilitator:
			refusal = &board.Error{Code: board.CodeForbidden, Message: "only the facilitator may open the presenter view elsewhere"}
		}
	}); err != nil {
		return "", err
	}
	if refusal != nil {
		return "", refusal
	}
	return b.env.Tokens.Issue(b.ID(), token.Presenter, time.Now()), nil
}

// Create starts a board with e, a board.create entry already checked, and
// returns its join code and its facilitator's session token.
func (h *Hub) Create(ctx context.Context, e board.Entry) (id, token string, err error) {
	data, err := json.Marshal(e)
	if err != nil {
		return "", "", err
	}
	for range 5 {
		id := h.drawBoardID()
		err := h.log.Create(ctx, id, data)
		if errors.Is(err, store.ErrExists) {
			continue // that code is taken; draw another
		}
		if err != nil {
			return "", "", h.unavailable(err)
		}
		return id, h.env.Tokens.Issue(id, "p1", e.At), nil
	}
	return "", "", &board.Error{Code: protocol.CodeUnavailable, Message: "could not find a free join code; try again"}
}

// unavailable refuses a request the store failed. The error stays in the
// log: it names hosts and internals that are no business of the client's.
func (h *Hub) unavailable(err error) *board.Error {
	h.logger.Warn("store", "err", err)
	return &board.Error{Code: protocol.CodeUnavailable, Message: "the store cannot be reached just now; try again"}
}

// newBoardID draws a join code, rejecting the bytes that would make some
// letters likelier than others.
func newBoardID() string {
	const fair = 256 - 256%len(idAlphabet)
	id := make([]byte, 0, idLen)
	var b [1]byte
	for len(id) < idLen {
		_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on Linux
		if int(b[0]) < fair {
			id = append(id, idAlphabet[int(b[0])%len(idAlphabet)])
		}
	}
	return string(id)
}

func validBoardID(id string) bool {
	if len(id) != idLen {
		return false
	}
	for i := range len(id) {
		if !strings.ContainsRune(idAlphabet, rune(id[i])) {
			return false
		}
	}
	return true
}
