// Package board is the workshop domain: the state of one board, the ops that
// change it, and Apply, which validates an op and returns the changes it made.
//
// The package is pure. It imports nothing of ours and never reads the clock,
// randomness or the network: everything Apply needs is in the log Entry, so
// every replica that applies the same log in seq order reaches the same state
// and accepts or refuses each op alike.
package board

import "time"

// Entry is one record of a board's log: an op plus everything Apply needs
// that is not already in the state.
type Entry struct {
	// Seq is the entry's place in the log: 1, 2, 3... with no gaps. It is
	// given by the store when the entry is appended, and new ids are derived
	// from it (note "n42", theme "t42", participant "p42").
	Seq uint64 `json:"seq"`
	// Actor is the participant who sent the op; empty for ops the server
	// makes itself (board.create, participant.join).
	Actor string `json:"by,omitempty"`
	// At is the server time the op was received; the timer counts from it.
	At time.Time `json:"at"`
	// Seed drives anything that must look random but replay identically,
	// such as the shuffle when groups are formed.
	Seed uint64 `json:"seed,omitempty"`
	// Ref is the sender's id for the op, echoed on the change that
	// acknowledges it. Apply ignores it.
	Ref string `json:"ref,omitempty"`
	Op  Op     `json:"op"`
}
