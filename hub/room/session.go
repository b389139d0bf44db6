package room

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/hub/internal/outbox"
	"github.com/plenary/plenary/hub/replica"
	"github.com/plenary/plenary/protocol"
	"github.com/plenary/plenary/store"
)

// Per-connection bounds.
const (
	sendQueueLen   = 1024
	maxRateStrikes = 100 // refusals in a row before the connection is closed
	// ephBytesPerSecond bounds the drags and cursors one session is sent,
	// about 90 positions a second: a phone on 256 kbit/s (32 KB/s) that
	// watches 20 people drag at once would otherwise be sent more than
	// its link carries, and its logged changes would wait behind them in
	// the network's buffers. Past it a position is dropped; the next
	// replaces it, and a drag ends with a logged move.
	ephBytesPerSecond = 8000
	ephBurst          = 2000
)

// StoreWait is the longest an op waits for the store, from the check
// against the board to the append (docs/protocol.md): past it the op is
// answered unknown_outcome, and the client sends it again. A transport
// that waits for an op's answer waits a little longer.
const StoreWait = 3 * time.Second

// session is one connection of one participant, whatever transport carries
// its frames: the transport calls handle with each frame it reads and writes
// out what it takes from out. Keeping the two apart lets another transport
// (an SSE stream plus POSTs, for networks that block websockets) carry the
// same session.
//
// handle runs one frame at a time, each call finished before the next
// starts, and only it touches room, participant, addr and the limiters
// (which are the participant's, shared with their other sessions);
// facilitator belongs to the room goroutine once the session is attached;
// presenter is set by hello before the session is attached and only read
// after.
// out is the session's bounded queue, filled by the room and drained by
// the transport's writers.
type session struct {
	id  uint64
	env *Env

	room        *Room
	participant string
	facilitator bool
	// addr is the client's address, which the limit on join code
	// lookups counts by.
	addr string
	// presenter marks a read-only session shown to the room (hello's view
	// "presenter"): it sees the board as participants do and may not
	// change it.
	presenter bool
	// poster marks the sender of one POST's frames (OpenSender), which
	// the room keeps apart from its screens.
	poster bool
	// inRoom is set by the room once it has let the session in, and by
	// then it answers the session's ops: they may go ahead of its other
	// work (room.check).
	inRoom atomic.Bool

	ops, eph    *rate.Limiter
	rateStrikes int
	// ephBudget bounds the drags and cursors the session is sent; made
	// with the first.
	ephBudget *rate.Limiter

	out       outbox.Outbox
	closeOnce sync.Once
	closeCode int
	closeMsg  string
}

func newSession(env *Env, addr string) *session {
	return &session{id: env.nextSession.Add(1), env: env, addr: addr}
}

// viewer is who s shows the board to, for the frames the room sends it.
// It runs on the room's goroutine, which owns facilitator.
func (s *session) viewer() replica.Viewer {
	return replica.Viewer{Participant: s.participant, Facilitator: s.facilitator}
}

// become makes s the session of participant on board r, under that
// participant's limits.
func (s *session) become(r *Room, participant string) {
	s.room, s.participant = r, participant
	key := r.id + "/" + participant
	s.ops, s.eph = s.env.Ops.Of(key), s.env.Eph.Of(key)
}

// enqueue hands a frame to the writer without ever blocking: a client too
// slow to keep up is closed with CloseResume and catches up from the log
// when it reconnects, so a logged change is never silently dropped.
func (s *session) enqueue(frame []byte) {
	if !s.out.Push(frame, sendQueueLen) {
		s.overflow()
	}
}

// enqueueAnswer is enqueue for the answer to the client's own op (its
// acknowledgement or refusal), which the writers come for first: the
// person who acted is waiting on it.
func (s *session) enqueueAnswer(frame []byte) {
	if !s.out.PushAnswer(frame, sendQueueLen) {
		s.overflow()
	}
}

func (s *session) overflow() {
	s.env.Metrics.Overflows.Add(1)
	s.close(protocol.CloseResume, "send queue full: reconnect and resume")
}

// enqueueEphemeral passes on a drag or cursor only while the queue is less
// than half full, and within ephBytesPerSecond: ephemeral traffic is the
// first thing dropped under load. One still queued of the same key
// (ephKey) is replaced. It runs on the room's goroutine, which owns
// ephBudget.
func (s *session) enqueueEphemeral(frame []byte, key string) {
	if s.ephBudget == nil {
		s.ephBudget = rate.NewLimiter(ephBytesPerSecond, ephBurst)
	}
	s.out.PushLatest(frame, key, sendQueueLen/2, func(n int) bool { return s.ephBudget.AllowN(time.Now(), n) })
}

// close ends the session once; the transport sends code and msg to the
// client.
func (s *session) close(code int, msg string) {
	s.closeOnce.Do(func() {
		s.closeCode, s.closeMsg = code, msg
		s.out.Close()
	})
}

// errReadOnly refuses whatever a presenter session sends after its hello.
var errReadOnly = &board.Error{Code: protocol.CodeReadOnly, Message: "the presenter view only shows the board: change it from the facilitator's console"}

func (s *session) refuse(ref string, e *board.Error) {
	s.env.Metrics.Refused(e.Code)
	s.enqueueAnswer(errorBytes(ref, e))
}

// handle acts on one frame from the client. The transport calls it one
// frame at a time, in the order read, so a participant's ops reach the log
// in the order they were sent.
func (s *session) handle(ctx context.Context, data []byte) {
	f, bad := protocol.DecodeClient(data)
	if bad != nil {
		if s.room == nil {
			s.refuse("", bad)
			s.close(protocol.CloseBadHello, bad.Message)
			return
		}
		s.refuse(refOf(data), bad)
		return
	}
	switch {
	case s.room == nil && f.T != "hello":
		s.close(protocol.CloseBadHello, "the first frame must be a hello")
	case s.room != nil && f.T == "hello":
		s.refuse("", &board.Error{Code: protocol.CodeBadHello, Message: "hello was already said"})
	case f.T == "hello":
		s.hello(ctx, f)
	case f.T == "op":
		s.op(ctx, f)
	case f.T == "eph":
		s.ephemeral(f)
	case f.T == "ping":
		s.enqueue(pong)
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
		s.refuse("", refusal)
		s.close(protocol.CloseBadHello, refusal.Message)
		return
	}
	if err != nil {
		// The store is away: a reconnect a little later finds the board.
		s.env.Logger.Warn("load board", "board", boardID, "err", err)
		e := &board.Error{Code: protocol.CodeUnavailable, Message: "the workshop cannot be loaded just now; trying again"}
		s.refuse("", e)
		s.close(protocol.CloseTryAgain, e.Message)
		return
	}
	now := time.Now()
	if f.Token != "" {
		participant, err := s.env.Tokens.Open(f.Token, boardID, now)
		if err != nil {
			s.refuse("", errBadLink)
			s.close(protocol.CloseBadToken, "bad token")
			return
		}
		s.become(r, participant)
		s.presenter = f.View == protocol.ViewPresenter
		r.attach(s, 0, f.Since, f.Epoch, f.Token)
		return
	}
	participant, seq, bad := r.join(ctx, *f.Join, "")
	if bad != nil {
		s.refuse("", bad)
		s.close(helloCloseCode(bad), bad.Message)
		return
	}
	s.become(r, participant)
	r.attach(s, seq, 0, "", s.env.Tokens.Issue(boardID, participant, now))
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
			s.close(protocol.CloseRateLimits, "too many ops too fast")
		}
		s.refuse(f.ID, &board.Error{Code: protocol.CodeRateLimited, Message: fmt.Sprintf("slow down: at most %d changes a second", s.env.OpRate)})
		return
	}
	s.rateStrikes = 0
	if s.presenter {
		s.refuse(f.ID, errReadOnly)
		return
	}
	if f.Op.Kind.FromServer() {
		s.refuse(f.ID, &board.Error{Code: board.CodeForbidden, Message: fmt.Sprintf("%s is made by the server only", f.Op.Kind)})
		return
	}
	e := board.Entry{Actor: s.participant, At: time.Now(), Ref: s.ref(f.ID), Op: *f.Op}
	if e.Op.Kind == board.GroupsForm {
		e.Seed = randomSeed()
	}
	if !s.env.StoreUp() {
		// An earlier try of this op may have reached the store before it
		// went away, so "not applied" cannot be said.
		s.refuse(f.ID, errUnknownOutcome)
		return
	}
	ctx, cancel := context.WithTimeout(ctx, StoreWait)
	defer cancel()
	defer func() {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			s.env.StoreStalled()
		}
	}()
	key := opKey(s.participant, f.ID)
	epoch, bad := s.room.check(ctx, s, e)
	if bad != nil {
		// A resend of an op that was applied may be refused by the
		// board as it is now (its dot spent, its note moved): it gets
		// the answer the op got the first time.
		seq, err := s.env.Log.SeqOf(ctx, s.room.id, key)
		switch {
		case err != nil:
			s.env.Logger.Warn("look up op", "board", s.room.id, "err", err)
			s.refuse(f.ID, errUnknownOutcome)
		case seq != 0:
			s.room.answer(s, seq, f.ID)
		default:
			s.refuse(f.ID, bad)
		}
		return
	}
	seq, dup, bad := s.room.append(ctx, epoch, key, e)
	switch {
	case bad != nil:
		s.refuse(f.ID, bad)
	case dup:
		s.room.answer(s, seq, f.ID)
	}
}

// errUnknownOutcome answers an op that may or may not have reached the
// log: the client sends it again with the same id, and the log's
// idempotency key makes that safe.
var errUnknownOutcome = &board.Error{Code: protocol.CodeUnknownOutcome, Message: "the change may not have been saved: it is being sent again"}

// append makes e durable in the board's log under the op's key, in the
// epoch of the room's state it was checked against, and hands e, as the
// log holds it, to the room: the one way an entry this instance appends
// reaches its room. dup says the log took the op before, at seq, and
// appended nothing.
//
// When the log is not of that epoch (Redis lost the board, and it is
// being given back from the instances' copies), the op waits for the room
// to reload the board as it was given back, and goes on top of it.
func (r *Room) append(ctx context.Context, epoch, key string, e board.Entry) (seq uint64, dup bool, bad *board.Error) {
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
			return 0, false, errUnknownOutcome
		}
		if !dup {
			e.Seq = seq
			r.receive(e, epoch)
		}
		return seq, dup, nil
	}
}

func (s *session) ephemeral(f *protocol.ClientFrame) {
	if !s.eph.Allow() {
		return
	}
	if s.presenter {
		s.refuse("", errReadOnly)
		return
	}
	frame := protocol.Encode(protocol.Eph{T: "eph", From: s.participant, Kind: f.Kind, Note: f.Note, Theme: f.Theme, Chart: f.Chart, X: f.X, Y: f.Y})
	s.room.ephemeral(s, frame)
}

// ref is the op's id in the log: this instance, this connection and the
// client's own id, so that whichever instance applies the entry, only the
// sender's connection gets the acknowledgement.
func (s *session) ref(clientRef string) string {
	return s.env.Instance + "." + strconv.FormatUint(s.id, 10) + "." + clientRef
}

// opKey is an op's idempotency key in the log: its sender and the id the
// client gave it.
func opKey(participant, id string) string { return participant + "/" + id }

// opKeyOf is the idempotency key of an entry by actor with ref (see
// board.Entry), whichever instance appended it; "" for the server's own
// entries.
func opKeyOf(actor, ref string) string {
	_, rest, ok := strings.Cut(ref, ".")
	if !ok || actor == "" {
		return ""
	}
	_, id, ok := strings.Cut(rest, ".")
	if !ok {
		return ""
	}
	return opKey(actor, id)
}

// parseRef splits a log ref into the session id and client ref, if the
// entry was sent through this instance.
func parseRef(instance, ref string) (session uint64, clientRef string, ok bool) {
	inst, rest, ok := strings.Cut(ref, ".")
	if !ok || inst != instance {
		return 0, "", false
	}
	id, clientRef, ok := strings.Cut(rest, ".")
	if !ok {
		return 0, "", false
	}
	n, err := strconv.ParseUint(id, 10, 64)
	return n, clientRef, err == nil
}

func randomSeed() uint64 {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on Linux
	return binary.LittleEndian.Uint64(b[:])
}

// pong answers a ping, through the session's queue like any frame: a
// client that hears it knows its link to the server carries frames.
var pong = protocol.Encode(protocol.Pong{T: "pong"})

func errorBytes(ref string, e *board.Error) []byte {
	return protocol.Encode(protocol.Err{T: "err", Ref: ref, Code: e.Code, Msg: e.Message})
}
