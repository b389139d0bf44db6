// Package store is the durable, ordered log of each board: the one place a
// board's history lives. An implementation gives every appended record the
// next seq (1, 2, 3... with no gaps) and returns it only once the record is
// durable, so an acknowledged op is never lost.
//
// Records are opaque bytes: the store knows nothing of ops. Two
// implementations pass one conformance suite (storetest): bolt, embedded and
// the default, and redis, shared by many instances.
package store

import (
	"context"
	"errors"
	"time"
)

// Record is one entry of a board's log as the store holds it.
type Record struct {
	Seq uint64
	// Epoch names the history the record belongs to (see Log).
	Epoch string
	Data  []byte
}

// Snapshot is a board's state at Seq in Epoch, encoded by the caller.
type Snapshot struct {
	Seq   uint64
	Epoch string
	Data  []byte
}

// Keep is how many records behind its latest snapshot a board's log holds
// on to when SaveSnapshot trims it, so a client that reconnects a little
// behind is replayed the changes it missed instead of sent a whole board.
const Keep = 1000

// ErrNotFound is returned by LoadSnapshot when a board has no snapshot.
var ErrNotFound = errors.New("not found")

// ErrExists is returned by Create when the board already has a log.
var ErrExists = errors.New("the board exists")

// ErrUnavailable wraps any failure to reach the backend, so callers can tell
// "try again later" from a bug.
var ErrUnavailable = errors.New("store unavailable")

// Log is the ordered log of every board.
//
// A board's log has an epoch as well as seqs: a name for one history. A
// backend that can lose a log (a Redis that restarted empty) starts a new
// epoch when the log is given back (see Restorer), so seq n of one epoch
// and seq n of another are different records, and a replica built from one
// must never apply the other's. Methods that take an epoch refuse with
// ErrReset when the log is not of that epoch; the empty epoch is for
// callers that hold no replica (creating a board, tests) and matches any.
// The embedded store never loses its log and has one epoch, "".
type Log interface {
	// Append adds data as the board's next record, in epoch, and returns
	// its seq once it is durable. The first record of a board gets seq 1.
	//
	// key, unless empty, is the op's idempotency key (its participant and
	// the id the client gave it, at most MaxKeyLen bytes), so that a
	// client may resend an op whose answer it lost, to any process, as
	// often as it likes: if the board already took a record under key,
	// nothing is appended and Append returns that record's seq with dup
	// true. The check is atomic with the append, and a key is remembered
	// for at least KeyLife (the bolt store remembers it for the board's
	// whole life).
	//
	// An error means the outcome is unknown unless the error says
	// otherwise: a request that timed out may still have been appended.
	// Appending again under the same key finds out safely.
	Append(ctx context.Context, board, epoch, key string, data []byte) (seq uint64, dup bool, err error)
	// SeqOf returns the seq of the board's record appended under key, 0
	// if there is none (or it is older than KeyLife).
	SeqOf(ctx context.Context, board, key string) (uint64, error)
	// Create starts a new board's log with data as its record 1, or
	// returns ErrExists if the board has a log already, checked in the
	// same step as the append: two boards drawn with the same id never
	// share a log, however close together they are created.
	Create(ctx context.Context, board string, data []byte) error
	// Read returns the board's records with seq > after, in order, at most
	// limit of them, each with its epoch. Records behind the latest
	// snapshot may have been trimmed: Read then starts at the oldest
	// record it still holds, and the caller loads the snapshot instead.
	// It refuses with ErrReset when the log is not of epoch, or no
	// longer reaches after (it lost records the caller applied).
	Read(ctx context.Context, board, epoch string, after uint64, limit int) ([]Record, error)
	// Last returns the seq of the board's newest record, 0 if it has none.
	Last(ctx context.Context, board string) (uint64, error)
	// SaveSnapshot stores the board's state at snap.Seq and trims the log
	// to the Keep records behind it. A snapshot no newer than the stored
	// one, or of another epoch than the log's, is ignored.
	SaveSnapshot(ctx context.Context, board string, snap Snapshot) error
	// LoadSnapshot returns the board's latest snapshot, with the epoch of
	// the log it goes on with, or ErrNotFound.
	LoadSnapshot(ctx context.Context, board string) (Snapshot, error)
	// Subscribe tells ev about the board from now on, records appended
	// and ephemeral messages published by other processes, until cancel
	// is called. What this process appends, Append answers, and the
	// process hands on itself: it is not delivered back. Delivery may
	// skip or repeat records (Redis pub/sub is at most once), so a
	// subscriber checks seqs and reads gaps back with Read. The funcs are
	// called from one goroutine and must not block.
	Subscribe(board string, ev Events) (cancel func())
	// Publish sends an ephemeral message (a drag, a cursor, presence) to
	// the board's subscribers in other processes; a process delivers its
	// own ephemeral traffic itself. It is never stored and may be dropped.
	Publish(ctx context.Context, board string, data []byte) error
	// Ping reports whether the backend answers, every part of it (each
	// shard of a Redis Cluster), within ctx.
	Ping(ctx context.Context) error
	Close() error
}

// MaxKeyLen bounds an op's idempotency key (see Log.Append).
const MaxKeyLen = 255

// KeyLife is the least time a store remembers an op's idempotency key
// (see Log.Append): a client that resends later than this may have its op
// applied twice.
const KeyLife = 24 * time.Hour

// Events is what a subscriber hears about one board. Nil funcs are skipped.
type Events struct {
	// Record is a record another process appended, of whatever epoch
	// the log has: a subscriber compares it with its own.
	Record func(Record)
	// Ephemeral is a message another process gave to Publish.
	Ephemeral func([]byte)
	// Resync says delivery was interrupted (a dropped subscription, a
	// backend that restarted): records may have been missed, so the
	// subscriber reads what it lacks from the log.
	Resync func()
}
