package store

import (
	"context"
	"errors"
)

// ErrReset is returned by Append when the backend has lost the board's log
// (a Redis that restarted without persistence, a FLUSHALL, a failover to
// an empty replica). Appending would start the log again from seq 1 under
// replicas that hold the board at a higher seq, so it is refused; a replica
// that holds the board puts it back with Restore, and the append is tried
// again.
var ErrReset = errors.New("the board's log was lost")

// Restorer is a Log that can lose a board and be given it back. Only a
// backend that can lose data needs it; the embedded store cannot.
type Restorer interface {
	// Restore puts a board back from a replica's snapshot: the log goes on
	// after snap.Seq and what came before it is only in the snapshot. It
	// does nothing if the backend already holds the board at snap.Seq or
	// later (another replica restored it first).
	Restore(ctx context.Context, board string, snap Snapshot) error
}
