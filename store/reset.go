package store

import (
	"context"
	"errors"
)

// ErrReset is returned when the board's log is not the one the caller
// holds: the backend lost it (a Redis that restarted without persistence,
// a FLUSHALL, a failover to an empty replica), lost records the caller
// applied, or it was given back from another replica's copy under a new
// epoch. Appending would reuse seqs that were already acknowledged, and
// reading would build on another history, so both are refused: a replica
// that holds the board offers it with Restore, and one that is of an old
// epoch reloads.
var ErrReset = errors.New("the board's log is not the one this replica holds")

// ErrRestoring is returned while a lost board's log is being given back:
// the replicas that hold it are offering their copies, and the most
// advanced one is kept. Nothing can be appended or read until it is
// decided, moments later; try again.
var ErrRestoring = errors.New("the board's log is being restored")

// Restorer is a Log that can lose a board and be given it back. Only a
// backend that can lose data needs it; the embedded store cannot.
type Restorer interface {
	// Restore offers a replica's copy of a board whose log was lost (or
	// lost records the replica holds): snap is the replica's state at
	// snap.Seq in snap.Epoch. Every replica that finds the log lost
	// offers its copy; the backend keeps the most advanced one offered
	// within a short window, and refuses appends and reads until the
	// window closes, so no seq is given twice. Restore returns
	// ErrRestoring while the window is open, and nil once the log is live
	// again, then under a new epoch: the caller reloads from it. A copy
	// offered after the window closed is ignored.
	//
	// keys are the idempotency keys of the last ops the replica applied,
	// each with its seq (at most snap.Seq). The backend lost its own with
	// the log; it remembers these from the copy it keeps, so an op sent
	// just before the loss and resent after it is not applied twice.
	Restore(ctx context.Context, board string, snap Snapshot, keys []OpKey) error
}

// OpKey is an op's idempotency key (see Log.Append) and the seq of the
// record appended under it.
type OpKey struct {
	Key string
	Seq uint64
}
