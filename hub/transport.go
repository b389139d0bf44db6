package hub

// What a transport needs of a session: open one on a board's room, and
// the bounds and frames it answers by. The session itself is hub/room's.

import "github.com/plenary/plenary/hub/room"

// Session is a transport's handle on one session (room.Session).
type Session = room.Session

// StoreWait is the longest an op waits for the store (room.StoreWait): a
// transport that waits for an op's answer waits a little longer.
const StoreWait = room.StoreWait

// Open starts a session for a client at addr; schedule and hurry call
// for a writer (room.Env.Open).
func (h *Hub) Open(addr string, schedule, hurry func()) Session {
	return h.env.Open(addr, schedule, hurry)
}

// OpenSender starts a session of participant on the board that sends
// frames and is sent only the answers to them: the fallback's POSTs
// (room.Room.OpenSender).
func (b Board) OpenSender(participant, addr string, schedule func()) (Session, error) {
	return b.r.OpenSender(participant, addr, schedule)
}

// HelloHolder is the board and participant a hello's token names, or ""
// for a join, or a hello that is not valid (the session refuses it).
func (h *Hub) HelloHolder(hello []byte) (boardID, participant string) {
	return h.env.HelloHolder(hello)
}

// UnknownOutcome is the err frame that answers the op of id when the
// transport could wait no longer for its answer: the client sends it
// again, and the log's idempotency key makes that safe.
func UnknownOutcome(id string) []byte { return room.UnknownOutcome(id) }
