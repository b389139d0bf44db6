// Package replica is a board's copy in memory on one instance: the state
// its log builds, entry by entry in seq order, the recent entries with what
// each view is sent of them, and the board's snapshot as screens are sent
// it. It does no I/O: the room reads the log and the store's subscription,
// hands the entries here, and sends the frames it gets back.
package replica

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/protocol"
	"github.com/plenary/plenary/store"
)

// RecentLen is how many entries a replica keeps so that a client that
// reconnects after a short drop is sent the changes it missed, not the
// whole board again.
const RecentLen = 1024

// Replica is one board's state on this instance, the epoch of the log it
// was built from, its last RecentLen entries with their frames, and the
// board's cached snapshot. It belongs to the board's room goroutine, the
// only one that calls it, so nothing in it is locked.
type Replica struct {
	state *board.State
	// epoch is the epoch of the log state was built from (see store.Log):
	// entries of any other are never applied to it.
	epoch  string
	recent history
	snap   [2]snapshotCache // by View
}

// Load is the replica a store's snapshot decodes to; a zero snapshot (a
// board with none yet) is an empty board, of the epoch its first record
// names (see LearnEpoch).
func Load(snap store.Snapshot) (*Replica, error) {
	st := board.New()
	if snap.Data != nil {
		if err := json.Unmarshal(snap.Data, st); err != nil {
			return nil, fmt.Errorf("decode snapshot at %d: %w", snap.Seq, err)
		}
	}
	return &Replica{state: st, epoch: snap.Epoch}, nil
}

// State is the board as the replica holds it, for reading: only Apply
// changes it.
func (r *Replica) State() *board.State { return r.state }

// Seq is the seq of the last entry applied.
func (r *Replica) Seq() uint64 { return r.state.Seq }

// Epoch is the epoch of the log the replica was built from.
func (r *Replica) Epoch() string { return r.epoch }

// LearnEpoch gives a replica loaded with no epoch (a board with no
// snapshot yet) the epoch of the first record read after it.
func (r *Replica) LearnEpoch(epoch string) {
	if r.epoch == "" {
		r.epoch = epoch
	}
}

// Check validates e against the state without changing it.
func (r *Replica) Check(e board.Entry) *board.Error {
	if err := r.state.Check(e); err != nil {
		return asBoardError(err)
	}
	return nil
}

// Apply applies e, the entry after the replica's seq, and keeps it among
// the recent entries. An op the state no longer allows (another op took
// the last dot first) is refused here, on every replica alike, and its
// seq is used up: the entry then carries its Refusal and no frames.
func (r *Replica) Apply(e board.Entry) Applied {
	var a Applied
	if changes, err := r.state.Apply(e); err != nil {
		a = Applied{Seq: e.Seq, Actor: e.Actor, Ref: e.Ref, Refusal: asBoardError(err)}
	} else {
		a = newApplied(e, changes)
	}
	r.recent.add(a.kept())
	for v := range r.snap {
		r.snap[v].behind += len(a.frames[v])
	}
	return a
}

// Encode is the state as a snapshot for the store to keep.
func (r *Replica) Encode() (store.Snapshot, error) {
	data, err := json.Marshal(r.state)
	if err != nil {
		return store.Snapshot{}, fmt.Errorf("encode board at %d: %w", r.state.Seq, err)
	}
	return store.Snapshot{Seq: r.state.Seq, Epoch: r.epoch, Data: data}, nil
}

// Find returns the recent entry at seq, or nil if it is not held.
func (r *Replica) Find(seq uint64) *Applied { return r.recent.find(seq) }

// After calls fn with every recent entry after seq, oldest first.
func (r *Replica) After(seq uint64, fn func(*Applied)) { r.recent.after(seq, fn) }

// Resumable reports whether the replica holds every entry after since, a
// seq of epoch: a client there is sent those instead of a snapshot. A seq
// of another epoch is of another history.
func (r *Replica) Resumable(since uint64, epoch string) bool {
	oldest, ok := r.recent.oldest()
	return since != 0 && epoch == r.epoch && since <= r.state.Seq && ok && since+1 >= oldest
}

// asBoardError is err as the refusal a client is sent: a board.Error as
// it is, anything else as an internal error.
func asBoardError(err error) *board.Error {
	var be *board.Error
	if errors.As(err, &be) {
		return be
	}
	return &board.Error{Code: protocol.CodeInternal, Message: err.Error()}
}
