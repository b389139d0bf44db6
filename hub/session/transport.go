package session

// What a transport needs of a session: open one, hand it the frames it
// reads, drain its outbox and learn how it closed, and let it go.

import (
	"context"
	"strings"
	"time"

	"github.com/plenary/plenary/hub/internal/line"
	"github.com/plenary/plenary/hub/internal/token"
	"github.com/plenary/plenary/hub/room"
	"github.com/plenary/plenary/protocol"
)

// Session is a transport's handle on one session: a screen (Open) or the
// sender of one POST's frames (OpenSender). The transport hands it each
// frame it reads with Handle, one at a time, and writes out what Next
// returns when the session asks for a writer.
type Session struct {
	s *session
}

// Open starts a session for a client at addr, which the limit on join
// code lookups counts by. The session calls schedule when frames wait in
// its outbox, or it has closed, and no writer has been asked for since
// the last More that reported false; then the transport has a writer
// call Next. hurry, if not nil, asks that writer to come before others:
// the answer to the client's own op is queued.
func Open(env *Env, addr string, schedule, hurry func()) Session {
	return Session{newSession(env, addr, schedule, hurry)}
}

// OpenSender starts a session of participant on board r that sends
// frames and is sent only the answers to them, not the board: the
// fallback's POSTs. It refuses a participant the board does not hold. A
// presenter key's sender is a projector's: read-only, as its stream is.
func OpenSender(env *Env, r *room.Room, participant, addr string, schedule func()) (Session, error) {
	s := newSession(env, addr, schedule, nil)
	s.presenter = participant == token.Presenter
	seat, err := r.AttachSender(s.id, s.line, participant)
	if err != nil {
		return Session{}, err
	}
	s.sit(r, seat)
	return Session{s}, nil
}

// ID names the session in logs.
func (s Session) ID() uint64 { return s.s.id }

// Handle acts on one frame from the client. The transport calls it one
// frame at a time, in the order read, so a participant's ops reach the
// log in the order they were sent. It does not keep frame.
func (s Session) Handle(ctx context.Context, frame []byte) { s.s.handle(ctx, frame) }

// Next is the writer's call: every queued frame (an item may hold several
// frames, one per line), and closing once the session has closed, after
// which the transport sends what Closed says and Next returns no more.
func (s Session) Next() (frames [][]byte, closing bool) { return s.s.line.Next() }

// More is the writer's call after writing written, what Next returned:
// whether there is more to write. If not, the session calls schedule
// again when there is.
func (s Session) More(written [][]byte) bool { return s.s.line.More(written) }

// Failed drops what is queued and all that would be: the transport
// could not write it.
func (s Session) Failed() { s.s.line.Failed() }

// Close ends the session, once; the transport sends code and msg to the
// client after what is queued.
func (s Session) Close(code int, msg string) { s.s.line.Close(code, msg) }

// Closed is the close code and message a closed session ends with.
func (s Session) Closed() (code int, msg string) { return s.s.line.Closed() }

// Leave takes the session off its board, which then no longer counts it
// online nor sends it anything. The transport calls it once the session
// has closed and its connection ended.
func (s Session) Leave() {
	if s.s.room != nil {
		s.s.room.Leave(s.s.seat)
	}
}

// HelloHolder is the board and participant a hello's token names, or ""
// for a join, or a hello that is not valid (the session refuses it).
func HelloHolder(env *Env, hello []byte) (boardID, participant string) {
	f, bad := protocol.DecodeClient(hello)
	if bad != nil || f.T != "hello" || f.Token == "" {
		return "", ""
	}
	id := strings.ToUpper(f.Board)
	participant, err := env.Tokens.Open(f.Token, id, time.Now())
	if err != nil {
		return "", ""
	}
	return id, participant
}

// UnknownOutcome is the err frame that answers the op of id when the
// transport could wait no longer for its answer: the client sends it
// again, and the log's idempotency key makes that safe.
func UnknownOutcome(id string) []byte { return line.ErrorFrame(id, room.ErrUnknownOutcome) }
