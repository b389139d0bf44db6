package hub

// What a transport needs of a session: open one on a board's room, and
// the bounds and frames it answers by. The session itself is
// hub/session's.

import (
	"github.com/plenary/plenary/hub/room"
	"github.com/plenary/plenary/hub/session"
)

// Session is a transport's handle on one session (session.Session).
type Session = session.Session

// StoreWait is the longest an op waits for the store (room.StoreWait): a
// transport that waits for an op's answer waits a little longer.
const StoreWait = room.StoreWait

// Open starts a session for a client at addr; schedule and hurry call
// for a writer (session.Open).
func (h *Hub) Open(addr string, schedule, hurry func()) Session {
	return session.Open(h.env, addr, schedule, hurry)
}

// OpenSender starts a session of participant on the board that sends
// frames and is sent only the answers to them: the fallback's POSTs
// (session.OpenSender).
func (b Board) OpenSender(participant, addr string, schedule func()) (Session, error) {
	return session.OpenSender(b.env, b.r, participant, addr, schedule)
}

// HelloHolder is the board and participant a hello's token names, or ""
// for a join, or a hello that is not valid (the session refuses it).
func (h *Hub) HelloHolder(hello []byte) (boardID, participant string) {
	return session.HelloHolder(h.env, hello)
}

// UnknownOutcome is the err frame that answers the op of id when the
// transport could wait no longer for its answer: the client sends it
// again, and the log's idempotency key makes that safe.
func UnknownOutcome(id string) []byte { return session.UnknownOutcome(id) }
