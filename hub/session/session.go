// Package session is one connection of one participant, whatever
// transport carries its frames: reading them (hello, ops, ephemeral),
// holding the participant to their limits, and answering them. The room
// of its board (hub/room) lets it in and fills its seat's queue; the
// transports (hub/socket, hub/fallback) carry its frames.
package session

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/hub/internal/limits"
	"github.com/plenary/plenary/hub/internal/line"
	"github.com/plenary/plenary/hub/replica"
	"github.com/plenary/plenary/hub/room"
	"github.com/plenary/plenary/protocol"
)

// maxRateStrikes is how many refusals in a row close the connection.
const maxRateStrikes = 100

// Env is what the sessions of one hub share: the rooms' Env, and what
// only sessions use. The hub builds it once, in hub.New.
type Env struct {
	*room.Env
	// Find is the room of board id, loaded if need be, for a client at
	// addr: a hello's. It refuses a board that does not exist with a
	// *board.Error, counted against addr.
	Find func(ctx context.Context, id, addr string) (*room.Room, error)
	// OpRate is how many ops a participant may send a second; Ops and Eph
	// limit each participant (board/participant) across their sessions.
	OpRate   int
	Ops, Eph *limits.Keyed

	nextID atomic.Uint64
}

// session is one connection of one participant, whatever transport carries
// its frames: the transport calls handle with each frame it reads and writes
// out what it takes from the line. Keeping the two apart lets another
// transport (an SSE stream plus POSTs, for networks that block websockets)
// carry the same session.
//
// handle runs one frame at a time, each call finished before the next
// starts, and only it touches room, seat, presenter, addr and the limiters
// (which are the participant's, shared with their other sessions). line
// is the client's queue, which the room fills once it has given the
// session its seat.
type session struct {
	id   uint64
	env  *Env
	line *line.Line

	room *room.Room
	seat *room.Seat
	// addr is the client's address, which the limit on join code
	// lookups counts by.
	addr string
	// presenter marks a read-only session shown to the room (hello's view
	// "presenter"): it sees the board as participants do and may not
	// change it.
	presenter bool

	ops, eph    *rate.Limiter
	rateStrikes int
}

func newSession(env *Env, addr string, schedule, hurry func()) *session {
	return &session{id: env.nextID.Add(1), env: env, line: line.New(env.Metrics, schedule, hurry), addr: addr}
}

// sit makes s the session of seat on board r, under its participant's
// limits.
func (s *session) sit(r *room.Room, seat *room.Seat) {
	s.room, s.seat = r, seat
	key := r.ID() + "/" + seat.Participant()
	s.ops, s.eph = s.env.Ops.Of(key), s.env.Eph.Of(key)
}

// errReadOnly refuses whatever a presenter session sends after its hello.
var errReadOnly = &board.Error{Code: protocol.CodeReadOnly, Message: "the presenter view only shows the board: change it from the facilitator's console"}

// handle acts on one frame from the client. The transport calls it one
// frame at a time, in the order read, so a participant's ops reach the log
// in the order they were sent.
func (s *session) handle(ctx context.Context, data []byte) {
	f, bad := protocol.DecodeClient(data)
	if bad != nil {
		if s.room == nil {
			s.line.Refuse("", bad)
			s.line.Close(protocol.CloseBadHello, bad.Message)
			return
		}
		s.line.Refuse(refOf(data), bad)
		return
	}
	switch {
	case s.room == nil && f.T != "hello":
		s.line.Close(protocol.CloseBadHello, "the first frame must be a hello")
	case s.room != nil && f.T == "hello":
		s.line.Refuse("", &board.Error{Code: protocol.CodeBadHello, Message: "hello was already said"})
	case f.T == "hello":
		s.hello(ctx, f)
	case f.T == "op":
		s.op(ctx, f)
	case f.T == "eph":
		s.ephemeral(f)
	case f.T == "ping":
		s.line.Enqueue(pong)
	}
}

// refOf digs the op id out of a frame that failed to decode, so the
// refusal still lands beside the action the person took.
func refOf(data []byte) string {
	var probe struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(data, &probe) != nil || len(probe.ID) > protocol.MaxOpID {
		return ""
	}
	return probe.ID
}

func (s *session) hello(ctx context.Context, f *protocol.ClientFrame) {
	boardID := strings.ToUpper(f.Board)
	r, err := s.env.Find(ctx, boardID, s.addr)
	if refusal, ok := errors.AsType[*board.Error](err); ok {
		s.line.Refuse("", refusal)
		s.line.Close(protocol.CloseBadHello, refusal.Message)
		return
	}
	if err != nil {
		// The store is away: a reconnect a little later finds the board.
		s.env.Logger.Warn("load board", "board", boardID, "err", err)
		e := &board.Error{Code: protocol.CodeUnavailable, Message: "the workshop cannot be loaded just now; trying again"}
		s.line.Refuse("", e)
		s.line.Close(protocol.CloseTryAgain, e.Message)
		return
	}
	if f.Token != "" {
		s.presenter = f.View == protocol.ViewPresenter
		seat, bad := r.Attach(s.id, s.line, f.Token, s.presenter, f.Since, f.Epoch)
		if bad != nil {
			s.line.Refuse("", bad)
			s.line.Close(protocol.CloseBadToken, "bad token")
			return
		}
		s.sit(r, seat)
		return
	}
	seat, bad := r.AttachNewcomer(ctx, s.id, s.line, *f.Join)
	if bad != nil {
		s.line.Refuse("", bad)
		s.line.Close(helloCloseCode(bad), bad.Message)
		return
	}
	s.sit(r, seat)
}

// helloCloseCode is how a refused hello ends: a store or a room that is
// away is worth another try, anything else is not.
func helloCloseCode(bad *board.Error) int {
	if bad.Code == protocol.CodeUnavailable || bad.Code == protocol.CodeUnknownOutcome {
		return protocol.CloseTryAgain
	}
	return protocol.CloseBadHello
}

func (s *session) op(ctx context.Context, f *protocol.ClientFrame) {
	if !s.ops.Allow() {
		s.rateStrikes++
		if s.rateStrikes > maxRateStrikes {
			s.line.Close(protocol.CloseRateLimits, "too many ops too fast")
		}
		s.line.Refuse(f.ID, &board.Error{Code: protocol.CodeRateLimited, Message: fmt.Sprintf("slow down: at most %d changes a second", s.env.OpRate)})
		return
	}
	s.rateStrikes = 0
	if s.presenter {
		s.line.Refuse(f.ID, errReadOnly)
		return
	}
	if f.Op.Kind.FromServer() {
		s.line.Refuse(f.ID, &board.Error{Code: board.CodeForbidden, Message: fmt.Sprintf("%s is made by the server only", f.Op.Kind)})
		return
	}
	e := board.Entry{Actor: s.seat.Participant(), At: time.Now(), Ref: replica.Ref(s.env.Instance, s.id, f.ID), Op: *f.Op}
	if e.Op.Kind == board.GroupsForm {
		e.Seed = randomSeed()
	}
	if !s.env.StoreUp() {
		// An earlier try of this op may have reached the store before it
		// went away, so "not applied" cannot be said.
		s.line.Refuse(f.ID, room.ErrUnknownOutcome)
		return
	}
	ctx, cancel := context.WithTimeout(ctx, room.StoreWait)
	defer cancel()
	defer func() {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			s.env.StoreStalled()
		}
	}()
	key := replica.OpKey(s.seat.Participant(), f.ID)
	epoch, bad := s.room.Check(ctx, s.seat, e)
	if bad != nil {
		// A resend of an op that was applied may be refused by the
		// board as it is now (its dot spent, its note moved): it gets
		// the answer the op got the first time.
		seq, err := s.env.Log.SeqOf(ctx, s.room.ID(), key)
		switch {
		case err != nil:
			s.env.Logger.Warn("look up op", "board", s.room.ID(), "err", err)
			s.line.Refuse(f.ID, room.ErrUnknownOutcome)
		case seq != 0:
			s.room.Answer(s.seat, seq, f.ID)
		default:
			s.line.Refuse(f.ID, bad)
		}
		return
	}
	seq, dup, bad := s.room.Append(ctx, epoch, key, e)
	switch {
	case bad != nil:
		s.line.Refuse(f.ID, bad)
	case dup:
		s.room.Answer(s.seat, seq, f.ID)
	}
}

func (s *session) ephemeral(f *protocol.ClientFrame) {
	if !s.eph.Allow() {
		return
	}
	if s.presenter {
		s.line.Refuse("", errReadOnly)
		return
	}
	frame := protocol.Encode(protocol.Eph{T: "eph", From: s.seat.Participant(), Kind: f.Kind, Note: f.Note, Theme: f.Theme, Chart: f.Chart, X: f.X, Y: f.Y})
	s.room.Ephemeral(s.seat, frame)
}

func randomSeed() uint64 {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on Linux
	return binary.LittleEndian.Uint64(b[:])
}

// pong answers a ping, through the session's queue like any frame: a
// client that hears it knows its link to the server carries frames.
var pong = protocol.Encode(protocol.Pong{T: "pong"})
